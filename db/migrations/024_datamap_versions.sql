-- Data map versions: the content of every map a worker or the API started with, by its version
-- (the SHA-256 of the content as written; `${VAR}`s are stored unfilled, so no connection string
-- or token is kept here). A request records the version it started with and runs with it to the end.
CREATE TABLE datamap_versions (
  version       text PRIMARY KEY,
  content       jsonb NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  -- 'worker' or 'api': which process first started with it
  first_seen_by text NOT NULL
);

ALTER TABLE requests ADD COLUMN datamap_version text REFERENCES datamap_versions (version);
