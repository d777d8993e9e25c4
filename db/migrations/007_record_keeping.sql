-- Record keeping (CCPA §7101): requests and their audit are kept 24 months, then expired by the
-- retention sweep. The audit trail stays append-only for everything younger than 24 months; only
-- the sweep, declaring itself for the transaction, may remove older events, and it first appends
-- a checkpoint event naming the hash the remaining chain continues from.
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND current_setting('dsar.audit_expiry', true) = 'on'
     AND OLD.at < now() - interval '24 months' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
