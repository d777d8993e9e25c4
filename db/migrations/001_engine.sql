-- dsar-engine's own records. Temporal holds progress; this schema holds what must be
-- listed, reported on and kept (24 months, CCPA §7101).

CREATE TABLE requests (
  id              uuid PRIMARY KEY,
  type            text NOT NULL CHECK (type IN ('access', 'export', 'correction', 'deletion')),
  channel         text NOT NULL CHECK (channel IN ('self_service', 'admin', 'inbox')),
  status          text NOT NULL,
  -- the subject's contact address is needed to answer; it never leaves this table
  -- (not in Temporal history, logs or audit events).
  subject_email   text NOT NULL,
  subject_hash    text NOT NULL,
  received_at     timestamptz NOT NULL,
  due_at          timestamptz NOT NULL,
  verified_at     timestamptz,
  completed_at    timestamptz,
  progress        jsonb,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX requests_status_due ON requests (status, due_at);
CREATE INDEX requests_subject_hash ON requests (subject_hash);

CREATE TABLE idempotency_keys (
  channel     text NOT NULL,
  key         text NOT NULL,
  body_hash   text NOT NULL,
  request_id  uuid NOT NULL REFERENCES requests (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, key)
);

-- One-time verification tokens: only their SHA-256 is stored.
CREATE TABLE verification_tokens (
  token_hash  text PRIMARY KEY,
  request_id  uuid NOT NULL REFERENCES requests (id),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX verification_tokens_request ON verification_tokens (request_id);

-- Identity values resolved through the data map, so later steps (and a resumed worker)
-- act on exactly the subject that was resolved once.
CREATE TABLE subject_identities (
  request_id  uuid NOT NULL REFERENCES requests (id),
  store       text NOT NULL,
  collection  text NOT NULL,
  column_name text NOT NULL,
  -- identities such as email match case-insensitively (lower(column) = value)
  case_insensitive boolean NOT NULL DEFAULT false,
  value       text NOT NULL,
  PRIMARY KEY (request_id, store, collection, column_name, case_insensitive, value)
);

CREATE TABLE exports (
  id            uuid PRIMARY KEY,
  request_id    uuid NOT NULL UNIQUE REFERENCES requests (id),
  path          text NOT NULL,
  bytes         bigint NOT NULL,
  sha256        text NOT NULL,
  manifest      jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  downloaded_at timestamptz,
  download_count integer NOT NULL DEFAULT 0,
  deleted_at    timestamptz
);

-- Every email is sent at most once per key, so a retried activity does not mail twice.
CREATE TABLE emails_sent (
  key         text PRIMARY KEY,
  request_id  uuid REFERENCES requests (id),
  kind        text NOT NULL,
  message_id  text NOT NULL,
  sent_at     timestamptz NOT NULL DEFAULT now()
);

-- Append-only, hash-chained audit trail. hash = SHA-256(prev_hash || canonical event).
CREATE TABLE audit_events (
  seq         bigint PRIMARY KEY,
  event_key   text NOT NULL UNIQUE,
  request_id  uuid,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  action      text NOT NULL,
  store       text,
  collection  text,
  details     jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash   text NOT NULL,
  hash        text NOT NULL
);
CREATE INDEX audit_events_request ON audit_events (request_id, seq);

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_events_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
