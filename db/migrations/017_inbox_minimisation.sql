-- Raw privacy@ mail is kept only as long as it is needed: erased with the subject's deletion and,
-- for every mail, once the record-keeping period has passed. What record keeping needs stays:
-- Message-ID, arrival time, source, classification, the request it became, and a keyed hash
-- (HMAC-SHA256, lib/keyed-hash.ts) of the sender address in place of the address.
ALTER TABLE inbox_messages ALTER COLUMN raw DROP NOT NULL;
ALTER TABLE inbox_messages
  ADD COLUMN sender_hash text,
  ADD COLUMN erased_at timestamptz,
  ADD COLUMN erased_because text CHECK (erased_because IN ('subject_deletion', 'record_keeping'));
CREATE INDEX inbox_messages_unerased ON inbox_messages (received_at) WHERE erased_at IS NULL;
CREATE INDEX inbox_messages_sender ON inbox_messages (lower(sender)) WHERE erased_at IS NULL;
