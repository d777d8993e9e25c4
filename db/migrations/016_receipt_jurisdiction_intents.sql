-- Jurisdiction decided by the engine: every law that applies to a request (the deadline is the
-- strictest of them), and the residence the requester declared, if any.
ALTER TABLE requests ADD COLUMN jurisdictions text[] NOT NULL DEFAULT '{}';
ALTER TABLE requests ADD COLUMN residence text;
UPDATE requests SET jurisdictions = ARRAY[jurisdiction];

-- One mail to privacy@ may ask for several things ("delete my account and do not sell my data"):
-- each intent is its own record — a request, an opt-out, or an item to triage — and the privacy
-- team can reclassify each. inbox_messages.received_at is the mail's arrival (webhook receipt,
-- IMAP INTERNALDATE), from which the deadline of every request made from it runs.
CREATE TABLE inbox_intents (
  id          uuid PRIMARY KEY,
  inbox_id    uuid NOT NULL REFERENCES inbox_messages (id) ON DELETE CASCADE,
  kind        text CHECK (kind IN ('access', 'export', 'correction', 'deletion', 'opt_out')),
  status      text NOT NULL CHECK (status IN ('request', 'opt_out', 'triage', 'rejected')),
  matched     text[] NOT NULL DEFAULT '{}',
  request_id  uuid REFERENCES requests (id),
  decided_by  text,
  decided_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbox_intents_inbox ON inbox_intents (inbox_id);
CREATE INDEX inbox_intents_status ON inbox_intents (status);

INSERT INTO inbox_intents (id, inbox_id, kind, status, matched, request_id, decided_by, decided_at)
SELECT gen_random_uuid(), id, suggested, status, matched, request_id, decided_by, decided_at
  FROM inbox_messages
 WHERE status IN ('request', 'opt_out', 'triage', 'rejected')
   AND (suggested IS NULL OR suggested IN ('access', 'export', 'correction', 'deletion', 'opt_out'));
