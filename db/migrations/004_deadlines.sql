-- The response deadline: jurisdiction, legal and extended due dates, overdue and denial.
ALTER TABLE requests
  ADD COLUMN jurisdiction     text NOT NULL DEFAULT 'policy' CHECK (jurisdiction IN ('policy', 'gdpr', 'ccpa')),
  ADD COLUMN legal_due_at     timestamptz,
  ADD COLUMN extended_due_at  timestamptz,
  ADD COLUMN extension_reason text,
  ADD COLUMN overdue          boolean NOT NULL DEFAULT false,
  ADD COLUMN denial_reason    text;
CREATE INDEX requests_listing ON requests (received_at DESC, id DESC);
CREATE INDEX requests_open_due ON requests (coalesce(extended_due_at, due_at)) WHERE completed_at IS NULL;

-- Corrections asked for: the new values are personal data and stay here, never in Temporal.
CREATE TABLE request_corrections (
  request_id uuid NOT NULL REFERENCES requests (id),
  field      text NOT NULL,
  new_value  text NOT NULL,
  PRIMARY KEY (request_id, field)
);
