// Export and access: one activity per collection writes its files; one packs them into a ZIP.
import archiver from 'archiver';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';
import type { CollectionExportResult, ExportPackage } from '../schemas/workflow';
import { appendAudit } from '../records/audit-events';
import { findExportOfRequest, insertExport } from '../records/exports';
import { loadRequest } from '../records/requests';
import { loadPredicates } from '../records/subject-identities';
import type { ActivityDeps } from './deps';
import { manifestCollection, type Manifest } from './manifest';
import { accessReportHtml } from './report';
import { exportCollectionFiles, sampleRows, storePool } from './stores/postgres';
import { collectionEntry } from './stores/postgres-connector';
import { writeRawZip, type RawEntry } from './zip';

/** Deflate level for archives: 6 is zlib's default balance of size and speed. */
export const ZIP_LEVEL = 6;
const REPORT_SAMPLE_ROWS = 100;

export const stagingDir = (deps: ActivityDeps, requestId: string) => path.join(deps.config.EXPORT_DIR, 'staging', requestId);
export const archivePath = (deps: ActivityDeps, requestId: string) => path.join(deps.config.EXPORT_DIR, `${requestId}.zip`);

export async function exportCollection(
  deps: ActivityDeps,
  requestId: string,
  store: string,
  collection: string,
): Promise<CollectionExportResult> {
  const entry = collectionEntry(deps, store, collection);
  const preds = await loadPredicates(deps.engineDb, requestId, store, collection);
  const dir = stagingDir(deps, requestId);
  await mkdir(dir, { recursive: true });
  const base = `${store}.${collection}`;
  // staged deflated (`.z`): packaging copies them into the archive as they are
  const files = await exportCollectionFiles(
    storePool(entry.url),
    entry,
    preds,
    {
      json: path.join(dir, `${base}.json.z`),
      csv: path.join(dir, `${base}.csv.z`),
      jsonName: `data/${store}/${collection}.json`,
      csvName: `data/${store}/${collection}.csv`,
    },
    ZIP_LEVEL,
  );
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:read:${store}.${collection}`,
    requestId,
    actor: 'worker',
    action: 'collection.read',
    store,
    collection,
    details: { rows: files.rows, files: [files.json, files.csv].map((f) => ({ name: f.name, bytes: f.bytes, sha256: f.sha256 })) },
  });
  return { store, collection, rows: files.rows, files: [files.json, files.csv] };
}

export async function packageExport(deps: ActivityDeps, requestId: string, results: CollectionExportResult[]): Promise<ExportPackage> {
  const db = deps.engineDb;
  const existing = await findExportOfRequest(db, requestId);
  if (existing) {
    return {
      exportId: existing.id,
      bytes: existing.bytes,
      sha256: existing.sha256,
      collections: existing.totals.collections,
      rows: existing.totals.rows,
    };
  }
  const request = await loadRequest(db, requestId);
  const entries = results.map((r) => ({ r, entry: collectionEntry(deps, r.store, r.collection) }));
  const manifest: Manifest = {
    format: 'dsar-engine/export@1',
    requestId,
    requestType: request.type,
    generatedAt: new Date().toISOString(),
    totals: { collections: results.length, rows: results.reduce((n, r) => n + r.rows, 0) },
    collections: entries.map(({ r, entry }) => manifestCollection(deps.dataMap, entry, r)),
  };

  const finalPath = archivePath(deps, requestId);
  const partial = `${finalPath}.partial`;
  await mkdir(path.dirname(finalPath), { recursive: true });
  const staging = stagingDir(deps, requestId);
  const staged = entries.flatMap(({ r }) =>
    r.files.map((f, i) => ({ f, file: path.join(staging, `${r.store}.${r.collection}.${i === 0 ? 'json' : 'csv'}`) })),
  );
  const extras = [{ name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2)) }];
  if (request.type === 'access') {
    const samples = new Map<string, Record<string, unknown>[]>();
    for (const { r, entry } of entries) {
      const preds = await loadPredicates(db, requestId, r.store, r.collection);
      samples.set(`${r.store}.${r.collection}`, await sampleRows(storePool(entry.url), entry, preds, REPORT_SAMPLE_ROWS));
    }
    extras.push({ name: 'report.html', data: Buffer.from(accessReportHtml(manifest, samples, REPORT_SAMPLE_ROWS)) });
  }
  const { bytes, sha256 } = staged.every(({ f }) => f.crc32 !== undefined && f.compressedBytes !== undefined)
    ? await writeRawZip(partial, [
        ...staged.map(({ f, file }): RawEntry => ({
          name: f.name,
          method: 8,
          crc32: f.crc32!,
          size: f.bytes,
          compressedSize: f.compressedBytes!,
          source: `${file}.z`,
        })),
        ...extras.map(({ name, data }): RawEntry => {
          const z = deflateRawSync(data, { level: ZIP_LEVEL });
          return { name, method: 8, crc32: crc32(data), size: data.length, compressedSize: z.length, source: z };
        }),
      ])
    : await zipWithArchiver(partial, staged, extras); // staged uncompressed by a worker from before staging was deflated
  await rename(partial, finalPath);

  const expiresAt = new Date(Date.now() + deps.config.EXPORT_LINK_TTL_DAYS * 86_400_000);
  const exportId = await insertExport(db, { id: randomUUID(), requestId, path: finalPath, bytes, sha256, manifest, expiresAt });
  await appendAudit(db, {
    eventKey: `${requestId}:export.packaged`,
    requestId,
    actor: 'worker',
    action: 'export.packaged',
    details: {
      exportId,
      bytes,
      sha256,
      collections: manifest.totals.collections,
      rows: manifest.totals.rows,
      expiresAt: expiresAt.toISOString(),
    },
  });
  await rm(staging, { recursive: true, force: true });
  return { exportId, bytes, sha256, collections: manifest.totals.collections, rows: manifest.totals.rows };
}

/** The archive from uncompressed staging files, deflated here (results staged before `.z` files). */
async function zipWithArchiver(file: string, staged: { f: { name: string }; file: string }[], extras: { name: string; data: Buffer }[]) {
  const archive = archiver('zip', { zlib: { level: ZIP_LEVEL } });
  const hash = createHash('sha256');
  const tap = new PassThrough();
  tap.on('data', (chunk: Buffer) => hash.update(chunk));
  const out = createWriteStream(file);
  archive.pipe(tap).pipe(out);
  for (const { f, file: staged_ } of staged) archive.file(staged_, { name: f.name });
  for (const { name, data } of extras) archive.append(data, { name });
  await archive.finalize();
  await finished(out);
  return { bytes: (await stat(file)).size, sha256: hash.digest('hex') };
}
