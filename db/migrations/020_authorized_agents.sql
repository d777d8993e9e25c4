-- CCPA §7063: a request an authorized agent submitted for a subject. The signed permission
-- document is held here only while the request is open (dropped when it closes; its SHA-256 stays).
CREATE TABLE request_agents (
  request_id            uuid PRIMARY KEY REFERENCES requests (id),
  agent_name            text NOT NULL,
  agent_email           text NOT NULL,
  document              bytea,
  document_sha256       text,
  document_bytes        integer,
  document_uploaded_at  timestamptz,
  document_dropped_at   timestamptz,
  -- a power of attorney the privacy team accepted: it counts as the subject's verification
  authority_accepted_by text,
  authority_accepted_at timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now()
);

-- CCPA §7062 step-up: keyed hashes of the account fact the subject must also confirm with this
-- code (NULL: none asked; an empty array: asked, but no account holds it, so no answer matches).
ALTER TABLE verification_tokens ADD COLUMN step_up_hashes text[];
