-- The mail outbox replaces emails_sent: a row is written BEFORE a mail goes to the SMTP server
-- (state 'sending', with the Message-ID derived from its key), and marked 'sent' with the
-- server's answer right after the server accepted it. A retry finds 'sent' and sends nothing, or
-- 'sending' (the worker died mid-send, or the server's answer was lost) and resends with the same
-- Message-ID, which receiving systems de-duplicate on. 'rejected': the server refused it for
-- good (5xx); last_error names the class and reply code, never an address.
CREATE TABLE mail_outbox (
  key             text PRIMARY KEY,
  request_id      uuid REFERENCES requests (id),
  kind            text NOT NULL,
  message_id      text NOT NULL,
  state           text NOT NULL DEFAULT 'sending' CHECK (state IN ('sending', 'sent', 'rejected')),
  attempts        integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  smtp_response   text,
  last_error      text,
  CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX mail_outbox_request ON mail_outbox (request_id);

INSERT INTO mail_outbox (key, request_id, kind, message_id, state, attempts, created_at, last_attempt_at, sent_at)
SELECT key, request_id, kind, message_id, 'sent', 1, sent_at, sent_at, sent_at FROM emails_sent;

DROP TABLE emails_sent;
