-- The result of each data-map check the worker ran at start (`dsar datamap check` against the
-- live stores): what the dashboard shows. Findings name map paths and tables, never personal data.
CREATE TABLE datamap_checks (
  id          bigserial PRIMARY KEY,
  checked_at  timestamptz NOT NULL,
  errors      jsonb NOT NULL,
  warnings    jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX datamap_checks_latest ON datamap_checks (checked_at DESC);
