-- What deletion has done for one request and target, across activity attempts: a retried erase or
-- purge sees only the rows the failed attempt left, so its own count is not the total. Each batch
-- adds its rows here once it has committed in the product store. `due_at_mark` is how many rows
-- were due when the latest attempt started and `recorded_since_mark` what its batches recorded
-- since: the next attempt adds any rows that were deleted but not recorded (a worker that died
-- between a batch's commit and its record here). Counts only; no data of the subject.
CREATE TABLE erasure_progress (
  request_id          uuid NOT NULL REFERENCES requests (id),
  address             text NOT NULL,
  operation           text NOT NULL CHECK (operation IN ('erase', 'purge')),
  deleted             bigint NOT NULL DEFAULT 0,
  statements          bigint NOT NULL DEFAULT 0,
  due_at_mark         bigint NOT NULL,
  recorded_since_mark bigint NOT NULL DEFAULT 0,
  attempts            integer NOT NULL DEFAULT 1,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, address, operation)
);
