-- Deletion, retention and legal holds.

-- Named identity values a subject resolved to (e.g. account_id), for stores keyed by identity
-- (Redis key patterns, processor APIs) rather than by collection column.
CREATE TABLE subject_identity_values (
  request_id  uuid NOT NULL REFERENCES requests (id),
  identity    text NOT NULL,
  value       text NOT NULL,
  PRIMARY KEY (request_id, identity, value)
);

-- A legal hold suspends deletion (requests and retention sweeps) for a subject's data
-- (GDPR Art. 17(3)(e): establishment, exercise or defence of legal claims).
CREATE TABLE legal_holds (
  id             uuid PRIMARY KEY,
  subject_email  text NOT NULL,
  subject_hash   text NOT NULL,
  reason         text NOT NULL,
  placed_by      text NOT NULL,
  placed_at      timestamptz NOT NULL DEFAULT now(),
  released_by    text,
  released_at    timestamptz,
  release_reason text
);
CREATE INDEX legal_holds_active ON legal_holds (subject_hash) WHERE released_at IS NULL;

-- Manual tasks: stores no API reaches; an admin marks them done.
CREATE TABLE manual_tasks (
  request_id   uuid NOT NULL REFERENCES requests (id),
  store        text NOT NULL,
  instructions text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  completed_by text,
  note         text,
  PRIMARY KEY (request_id, store)
);
CREATE INDEX manual_tasks_open ON manual_tasks (created_at) WHERE completed_at IS NULL;
