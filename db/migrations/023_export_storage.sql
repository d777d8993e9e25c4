-- Where each archive is kept (EXPORT_STORAGE at the time it was written): 'local' (path is a file
-- under EXPORT_DIR) or 's3' (path is s3://bucket/key). The sweep and downloads use the archive's
-- own kind, so changing EXPORT_STORAGE leaves earlier archives reachable until they expire.
ALTER TABLE exports ADD COLUMN storage text NOT NULL DEFAULT 'local' CHECK (storage IN ('local', 's3'));
