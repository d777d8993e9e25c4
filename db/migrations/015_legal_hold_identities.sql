-- Legal holds as a state. A hold names a category the subject may be told (why their deletion
-- is postponed, on what basis); its free-text reason stays internal. A hold is keyed by what its
-- subject resolved to through the data map, stored when the hold is placed (and added to by every
-- later resolution of that subject): it keeps protecting retained rows (billing keyed by
-- account_id) after the account row that led to them is purged.
ALTER TABLE legal_holds ADD COLUMN category text NOT NULL DEFAULT 'legal_claims';

-- Per collection: the column values that pick out the held subject's rows.
CREATE TABLE legal_hold_predicates (
  hold_id          uuid NOT NULL REFERENCES legal_holds (id),
  store            text NOT NULL,
  collection       text NOT NULL,
  column_name      text NOT NULL,
  case_insensitive boolean NOT NULL,
  value            text NOT NULL,
  PRIMARY KEY (hold_id, store, collection, column_name, value)
);

-- Per identity (e.g. account_id): the values found, for stores keyed by identity and for
-- matching a request to a hold whatever address it came from.
CREATE TABLE legal_hold_identity_values (
  hold_id  uuid NOT NULL REFERENCES legal_holds (id),
  identity text NOT NULL,
  value    text NOT NULL,
  PRIMARY KEY (hold_id, identity, value)
);
CREATE INDEX legal_hold_identity_values_value ON legal_hold_identity_values (identity, value);
