// The exports table: one archive per export or access request, its checksum and manifest, when
// its link expires and whether the file was removed.
import type { ArchiveStorageKind } from '../schemas/export-storage';
import type { Queryable } from './db';

/** What an archive holds, from its manifest. */
export interface ExportTotals {
  collections: number;
  rows: number;
}

export interface RequestExport {
  id: string;
  bytes: number;
  sha256: string;
  expiresAt: Date;
  totals: ExportTotals;
}

export interface StoredExport {
  id: string;
  requestId: string;
  /** Where the archive is kept: a file path (local) or s3://bucket/key. */
  path: string;
  storage: ArchiveStorageKind;
  bytes: number;
  expiresAt: Date;
  deletedAt: Date | null;
}

export async function findExportOfRequest(db: Queryable, requestId: string): Promise<RequestExport | null> {
  const { rows } = await db.query<{ id: string; bytes: string; sha256: string; expires_at: Date; totals: ExportTotals }>(
    "SELECT id, bytes, sha256, expires_at, manifest->'totals' AS totals FROM exports WHERE request_id = $1",
    [requestId],
  );
  const r = rows[0];
  return r ? { id: r.id, bytes: Number(r.bytes), sha256: r.sha256, expiresAt: r.expires_at, totals: r.totals } : null;
}

/** Records the request's archive once; returns the id of the request's export (this one or an earlier). */
export async function insertExport(
  db: Queryable,
  e: {
    id: string;
    requestId: string;
    path: string;
    storage: ArchiveStorageKind;
    bytes: number;
    sha256: string;
    manifest: object;
    expiresAt: Date;
  },
): Promise<string> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO exports (id, request_id, path, storage, bytes, sha256, manifest, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (request_id) DO NOTHING RETURNING id`,
    [e.id, e.requestId, e.path, e.storage, e.bytes, e.sha256, e.manifest, e.expiresAt],
  );
  if (inserted.rows[0]) return inserted.rows[0].id;
  const { rows } = await db.query<{ id: string }>('SELECT id FROM exports WHERE request_id = $1', [e.requestId]);
  return rows[0].id;
}

export async function findExport(db: Queryable, id: string): Promise<StoredExport | null> {
  const { rows } = await db.query<{
    id: string;
    request_id: string;
    path: string;
    storage: ArchiveStorageKind;
    bytes: string;
    expires_at: Date;
    deleted_at: Date | null;
  }>('SELECT id, request_id, path, storage, bytes, expires_at, deleted_at FROM exports WHERE id = $1', [id]);
  const r = rows[0];
  return r
    ? {
        id: r.id,
        requestId: r.request_id,
        path: r.path,
        storage: r.storage,
        bytes: Number(r.bytes),
        expiresAt: r.expires_at,
        deletedAt: r.deleted_at,
      }
    : null;
}

export async function countExportDownload(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE exports SET download_count = download_count + 1, downloaded_at = coalesce(downloaded_at, now()) WHERE id = $1', [
    id,
  ]);
}

/** Archives whose link expired and whose file (or object) is still there. */
export async function listExpiredExports(db: Queryable): Promise<{ id: string; path: string; storage: ArchiveStorageKind }[]> {
  const { rows } = await db.query<{ id: string; path: string; storage: ArchiveStorageKind }>(
    'SELECT id, path, storage FROM exports WHERE expires_at < now() AND deleted_at IS NULL',
  );
  return rows;
}

export async function markExportDeleted(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE exports SET deleted_at = now() WHERE id = $1', [id]);
}

/** Bytes of all archives ever produced. */
export async function totalExportBytes(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT coalesce(sum(bytes), 0) AS n FROM exports');
  return Number(rows[0].n);
}

/** The file formats (json, csv) the database tables of a request's archive were written in, from its manifest. */
export async function tableFormatsOfExport(db: Queryable, requestId: string): Promise<string[]> {
  const { rows } = await db.query<{ format: string }>(
    `SELECT DISTINCT substring(f->>'name' from '\\.(json|csv)$') AS format
       FROM exports e, jsonb_array_elements(e.manifest->'collections') c, jsonb_array_elements(c->'files') f
      WHERE e.request_id = $1 AND c->>'kind' IN ('postgres', 'mysql') AND f->>'name' ~ '\\.(json|csv)$'
      ORDER BY 1 DESC`,
    [requestId],
  );
  return rows.map((r) => r.format);
}
