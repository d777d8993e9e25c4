-- The rights that change processing: opt-out of sale/sharing (CCPA §7026), limit the use of
-- sensitive information (§7027), restriction (GDPR Art. 18) and objection (Art. 21).
ALTER TABLE requests DROP CONSTRAINT IF EXISTS requests_type_check;
ALTER TABLE requests ADD CONSTRAINT requests_type_check
  CHECK (type IN ('access', 'export', 'correction', 'deletion', 'opt_out', 'limit', 'restriction', 'objection'));

-- objection: the purpose objected to (a purpose of the data map, or direct_marketing)
ALTER TABLE requests ADD COLUMN IF NOT EXISTS objection_purpose text;
-- restriction: when the privacy team lifted it (the subject was told first, Art. 18(3))
ALTER TABLE requests ADD COLUMN IF NOT EXISTS restriction_lifted_at timestamptz;

ALTER TABLE manual_tasks DROP CONSTRAINT IF EXISTS manual_tasks_operation_check;
ALTER TABLE manual_tasks ADD CONSTRAINT manual_tasks_operation_check CHECK (operation IN ('read', 'erase', 'correct', 'process'));
