-- Failed verification attempts, counted here so that every API instance shares the limits:
-- per request (since its newest code was issued) and per client address (hashed with the
-- deployment's secret, never stored in the clear). request_id has no foreign key: guesses at
-- references that do not exist are counted too.
CREATE TABLE verification_attempts (
  id          bigserial PRIMARY KEY,
  request_id  uuid NOT NULL,
  client_key  text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX verification_attempts_request ON verification_attempts (request_id, at);
CREATE INDEX verification_attempts_client ON verification_attempts (client_key, at);

-- The issue number of a verification code: the code is derived from the request id and it, so a
-- retried send re-sends the same code instead of minting another.
ALTER TABLE verification_tokens ADD COLUMN issue integer;
CREATE UNIQUE INDEX verification_tokens_issue ON verification_tokens (request_id, issue);
