-- A cap on requests doing data work at once (ACTIVE_REQUESTS_MAX): a request takes a slot before
-- its data steps and gives it back when its work is done; the rest wait in order of receipt and
-- are admitted, earliest first, as slots free up. No personal data: ids and instants only.
CREATE TABLE work_admissions (
  request_id   uuid PRIMARY KEY,
  received_at  timestamptz NOT NULL,
  queued_at    timestamptz NOT NULL DEFAULT now(),
  admitted_at  timestamptz,
  -- the request whose call admitted it: a retried call wakes the same requests again
  admitted_by  uuid,
  released_at  timestamptz
);
CREATE INDEX work_admissions_waiting ON work_admissions (received_at, request_id) WHERE admitted_at IS NULL;
CREATE INDEX work_admissions_active ON work_admissions (request_id) WHERE admitted_at IS NOT NULL AND released_at IS NULL;
CREATE INDEX work_admissions_admitted_by ON work_admissions (admitted_by) WHERE admitted_by IS NOT NULL;
