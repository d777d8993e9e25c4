// Files the privacy team uploads for a manual store's part of an access or export request.
// Kept only until the archive is packed.
import type { Pool, PoolClient } from 'pg';

type Queryable = Pool | PoolClient;

export interface ManualUpload {
  fileName: string;
  bytes: number;
  sha256: string;
  uploadedBy: string;
}

/** Stores (or replaces, on a retried upload) one file of a manual task. */
export async function saveManualUpload(
  db: Queryable,
  u: { requestId: string; store: string; fileName: string; content: Buffer; sha256: string; uploadedBy: string },
): Promise<void> {
  await db.query(
    `INSERT INTO manual_uploads (request_id, store, file_name, content, bytes, sha256, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (request_id, store, file_name) DO UPDATE SET content = EXCLUDED.content, bytes = EXCLUDED.bytes, sha256 = EXCLUDED.sha256,
       uploaded_by = EXCLUDED.uploaded_by, uploaded_at = now()`,
    [u.requestId, u.store, u.fileName, u.content, u.content.length, u.sha256, u.uploadedBy],
  );
}

export async function listManualUploads(db: Queryable, requestId: string, store: string): Promise<ManualUpload[]> {
  const { rows } = await db.query<{ file_name: string; bytes: string; sha256: string; uploaded_by: string }>(
    'SELECT file_name, bytes, sha256, uploaded_by FROM manual_uploads WHERE request_id = $1 AND store = $2 ORDER BY file_name',
    [requestId, store],
  );
  return rows.map((r) => ({ fileName: r.file_name, bytes: Number(r.bytes), sha256: r.sha256, uploadedBy: r.uploaded_by }));
}

export async function manualUploadContent(db: Queryable, requestId: string, store: string, fileName: string): Promise<Buffer> {
  const { rows } = await db.query<{ content: Buffer }>(
    'SELECT content FROM manual_uploads WHERE request_id = $1 AND store = $2 AND file_name = $3',
    [requestId, store, fileName],
  );
  if (!rows[0]) throw new Error(`upload ${fileName} of ${store} for request ${requestId} is gone`);
  return rows[0].content;
}

/** After packing: the archive holds the files, the engine database no longer does. */
export async function deleteManualUploads(db: Queryable, requestId: string): Promise<number> {
  const r = await db.query('DELETE FROM manual_uploads WHERE request_id = $1', [requestId]);
  return r.rowCount ?? 0;
}
