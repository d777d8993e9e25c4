-- A request stopped by an error no retry can fix (a missing table or column, a refused
-- privilege) is in status `needs_attention` with where and why: store, collection, error class,
-- a description without row values, and since when. Cleared when the request moves on.
ALTER TABLE requests ADD COLUMN attention jsonb;
CREATE INDEX requests_needs_attention ON requests (received_at) WHERE status = 'needs_attention';
