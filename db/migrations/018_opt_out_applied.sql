-- An opt-out (do not sell or share, CCPA §7026) counts as complied with in the §7102 report only
-- once someone has applied it in the product: the privacy team records when, per opt-out intent.
ALTER TABLE inbox_intents
  ADD COLUMN opt_out_applied_at timestamptz,
  ADD COLUMN opt_out_applied_by text;
