-- The demo product: an API/SaaS company's own database (what dsar-engine answers for).
CREATE TABLE IF NOT EXISTS accounts (
  id          bigserial PRIMARY KEY,
  email       text NOT NULL UNIQUE,
  name        text NOT NULL,
  company     text,
  plan        text NOT NULL DEFAULT 'free',
  status      text NOT NULL DEFAULT 'active',
  created_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS accounts_email_lower ON accounts (lower(email));

-- API keys are stored as SHA-256 hashes; the raw key is shown once at creation and never kept.
CREATE TABLE IF NOT EXISTS api_keys (
  id           bigserial PRIMARY KEY,
  account_id   bigint NOT NULL REFERENCES accounts (id),
  label        text NOT NULL,
  key_prefix   text NOT NULL,
  key_hash     text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX IF NOT EXISTS api_keys_account ON api_keys (account_id);

CREATE TABLE IF NOT EXISTS usage_logs (
  id          bigserial PRIMARY KEY,
  account_id  bigint NOT NULL,
  ts          timestamptz NOT NULL,
  method      text NOT NULL,
  endpoint    text NOT NULL,
  status      smallint NOT NULL,
  latency_ms  integer NOT NULL,
  ip          inet,
  user_agent  text
);
CREATE INDEX IF NOT EXISTS usage_logs_account_ts ON usage_logs (account_id, ts);
CREATE INDEX IF NOT EXISTS usage_logs_ts ON usage_logs (ts);

CREATE TABLE IF NOT EXISTS billing_records (
  id              bigserial PRIMARY KEY,
  account_id      bigint NOT NULL,
  invoice_number  text NOT NULL UNIQUE,
  billing_email   text NOT NULL,
  billing_name    text NOT NULL,
  amount_cents    integer NOT NULL,
  currency        text NOT NULL DEFAULT 'EUR',
  issued_at       timestamptz NOT NULL,
  status          text NOT NULL DEFAULT 'paid',
  -- set when an erasure request restricts the record: kept only for the legal obligation, until then
  restricted_until timestamptz
);
CREATE INDEX IF NOT EXISTS billing_records_account ON billing_records (account_id);

CREATE TABLE IF NOT EXISTS support_tickets (
  id          bigserial PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES accounts (id),
  subject     text NOT NULL,
  body        text NOT NULL,
  status      text NOT NULL DEFAULT 'open',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS support_tickets_account ON support_tickets (account_id);

-- Choices about processing (opt-out of sale/sharing, marketing and analytics consent) and the
-- mark of a restriction (GDPR Art. 18): added to existing demo databases too.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS sale_opt_out boolean NOT NULL DEFAULT false;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS marketing_opt_in boolean NOT NULL DEFAULT true;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS analytics_opt_in boolean NOT NULL DEFAULT true;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS restricted_at timestamptz;
ALTER TABLE support_tickets ADD COLUMN IF NOT EXISTS restricted_at timestamptz;
