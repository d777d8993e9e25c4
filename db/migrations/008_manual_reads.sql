-- Manual stores answer access and export too: the privacy team uploads what the store holds
-- (kept here until the archive is packed, then removed) or marks that nothing is held.
ALTER TABLE manual_tasks
  ADD COLUMN operation text NOT NULL DEFAULT 'erase' CHECK (operation IN ('read', 'erase', 'correct')),
  ADD COLUMN outcome text CHECK (outcome IN ('done', 'uploaded', 'nothing_held'));

CREATE TABLE manual_uploads (
  request_id  uuid NOT NULL REFERENCES requests (id),
  store       text NOT NULL,
  file_name   text NOT NULL,
  content     bytea NOT NULL,
  bytes       bigint NOT NULL,
  sha256      text NOT NULL,
  uploaded_by text NOT NULL,
  uploaded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, store, file_name)
);
