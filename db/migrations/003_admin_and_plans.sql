-- Admin API keys: only the SHA-256 of a key is stored; the key is shown once at creation.
CREATE TABLE admin_api_keys (
  id           uuid PRIMARY KEY,
  name         text NOT NULL UNIQUE,
  role         text NOT NULL CHECK (role IN ('admin', 'auditor')),
  key_hash     text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);

-- Dry runs of a deletion: what it would do per store, changing nothing.
CREATE TABLE plans (
  id            uuid PRIMARY KEY,
  type          text NOT NULL,
  subject_email text NOT NULL,
  subject_hash  text NOT NULL,
  requested_by  text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  result        jsonb
);
