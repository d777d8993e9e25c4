-- Anchors of the audit chain's head, kept outside audit_events: each names the seq and hash the
-- chain had reached at a time, signed with HMAC-SHA256 under the deployment's anchor secret.
-- Verification checks the chain up to the last anchor, so events removed from the tail (which
-- leave a chain that is intact up to its new head) are detected, and a forged anchor row fails
-- its signature. Append-only like audit_events.
CREATE TABLE audit_anchors (
  id        bigserial PRIMARY KEY,
  seq       bigint NOT NULL,
  hash      text NOT NULL,
  at        timestamptz NOT NULL,
  signature text NOT NULL
);

CREATE FUNCTION audit_anchors_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_anchors is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_anchors_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_anchors
  FOR EACH ROW EXECUTE FUNCTION audit_anchors_refuse_change();
CREATE TRIGGER audit_anchors_no_truncate
  BEFORE TRUNCATE ON audit_anchors
  FOR EACH STATEMENT EXECUTE FUNCTION audit_anchors_refuse_change();
