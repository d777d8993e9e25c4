-- Mail to privacy@ (IMAP or webhook): every message is kept, once per Message-ID, with what
-- became of it: a request, an opt-out, the triage list, quarantine (unparseable) or rejected.
CREATE TABLE inbox_messages (
  id            uuid PRIMARY KEY,
  message_id    text NOT NULL UNIQUE,
  received_at   timestamptz NOT NULL DEFAULT now(),
  source        text NOT NULL CHECK (source IN ('webhook', 'imap')),
  status        text NOT NULL CHECK (status IN ('request', 'opt_out', 'triage', 'quarantine', 'rejected')),
  suggested     text,
  matched       text[] NOT NULL DEFAULT '{}',
  reason        text,
  sender        text,
  subject       text,
  raw           bytea NOT NULL,
  request_id    uuid REFERENCES requests (id),
  decided_by    text,
  decided_at    timestamptz
);
CREATE INDEX inbox_messages_status ON inbox_messages (status, received_at);
