// Access and export: one activity per target streams the subject's records into staging through
// its store's connector; one packs them into a ZIP with the manifest (and, for access, the
// human-readable report). Stores the request cannot include are named in both, with the reason.
import { createHash, randomUUID } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';
import { addressKey, type Target } from '../schemas/datamap-graph';
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import type { CollectionExportResult, ExportPackage, NotIncludedEntry } from '../schemas/workflow';
import { deleteManualUploads } from '../records/manual-uploads';
import { appendAudit } from '../records/audit-events';
import { findExportOfRequest, insertExport } from '../records/exports';
import { loadRequest } from '../records/requests';
import type { ActivityDeps } from './deps';
import { manifestEntry, placeLabel, type Manifest } from './manifest';
import { accessReportHtml } from './report';
import { noticeLawOf } from './notice-facts';
import { accessRightsSentence, recourseSentence } from './notice-sentences';
import { openReadSink, readSample, ZIP_LEVEL } from './staging';
import { archiveStorage } from '../storage/archive-storage';
import { withPlace } from './failures';
import { connectorFor } from './stores/registry';
import { persistedSubject } from './subject';
import { writeRawZip, type RawEntry } from './zip';

export { ZIP_LEVEL };
export const ACCESS_REPORT_DESCRIPTION = 'The access report: this archive explained in plain language (open it in a web browser).';

const sha256Hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The request's language where it carries one (a BCP 47 tag); English otherwise. */
const readerLanguageOf = (request: object): string | undefined => {
  const lang = (request as { lang?: unknown }).lang;
  return typeof lang === 'string' ? lang : undefined;
};

/** Reads one target of an access or export request into the archive's staging. */
export async function readTarget(deps: ActivityDeps, requestId: string, target: Target): Promise<CollectionExportResult> {
  const node = deps.dataMap.node(target);
  const sink = await openReadSink(archiveStorage(deps.config), requestId, addressKey(target));
  const outcome = await connectorFor(node).read({ deps, node, subject: persistedSubject(deps.engineDb, requestId), requestId }, sink);
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:read:${addressKey(target)}`,
    requestId,
    actor: 'worker',
    action: AUDIT_ACTIONS.collectionRead,
    store: target.store,
    collection: target.collection,
    details: {
      kind: target.kind,
      records: outcome.rows,
      unit: outcome.unit,
      // a name under files/ comes from the store (an object key, an uploaded file's name) and may
      // itself say something about the subject: the audit keeps its size and digest only
      files: outcome.files.map((f) => ({ name: f.name.startsWith('files/') ? undefined : f.name, bytes: f.bytes, sha256: f.sha256 })),
    },
  });
  return { store: target.store, collection: target.collection, kind: target.kind, ...outcome };
}

/** The stores the data map names that this request type cannot include, each with why. */
export function notIncludedFor(deps: ActivityDeps, type: 'access' | 'export'): NotIncludedEntry[] {
  return deps.dataMap.targetsFor(type).notIncluded.map((n) => ({ ...n.target, reason: n.reason }));
}

export async function packageExport(deps: ActivityDeps, requestId: string, results: CollectionExportResult[]): Promise<ExportPackage> {
  const db = deps.engineDb;
  const existing = await findExportOfRequest(db, requestId);
  if (existing) {
    // packaged before (a worker died after recording it): finish the clean-up that attempt did not reach
    await deleteManualUploads(db, requestId);
    await archiveStorage(deps.config).dropStaging(requestId);
    return {
      exportId: existing.id,
      bytes: existing.bytes,
      sha256: existing.sha256,
      collections: existing.totals.collections,
      rows: existing.totals.rows,
    };
  }
  const request = await loadRequest(db, requestId);
  const type = request.type === 'access' ? 'access' : 'export';
  const notIncluded = notIncludedFor(deps, type);
  const collections = results.map((r) => manifestEntry(deps.dataMap, r));
  const withheld = collections.flatMap((c) => c.withheld.map((w) => ({ store: c.store, collection: c.collection, ...w })));
  const manifest: Manifest = {
    format: 'dsar-engine/export@2',
    requestId,
    requestType: request.type,
    generatedAt: new Date().toISOString(),
    totals: {
      collections: results.length,
      rows: results.reduce((n, r) => n + r.rows, 0),
      notIncluded: notIncluded.length,
      withheld: withheld.length,
    },
    collections,
    notIncluded: notIncluded.map((n) => ({ ...n, label: placeLabel(deps.dataMap, n) })),
    withheld,
    automatedDecisions: deps.dataMap.source.automatedDecisions,
    transfers: deps.dataMap.source.transfers,
    documents: [],
  };

  const storage = archiveStorage(deps.config);
  const staged = results.flatMap((r) => r.files.map((f) => ({ f, file: () => storage.openStaged(requestId, f.stagedAs ?? '') })));
  const extras: { name: string; data: Buffer }[] = [];
  if (request.type === 'access') {
    const samples = new Map<string, Record<string, unknown>[]>();
    for (const r of results) samples.set(addressKey(r), await readSample(storage, requestId, addressKey(r)));
    const { jurisdiction, settings } = await noticeLawOf(deps, requestId);
    const html = accessReportHtml(manifest, samples, undefined, accessRightsSentence(jurisdiction, settings), {
      lang: readerLanguageOf(request),
      recourseSentence: recourseSentence(jurisdiction, settings),
    });
    const data = Buffer.from(html);
    // listed like every data file, so the subject can check it came from us whole
    manifest.documents.push({ name: 'report.html', bytes: data.length, sha256: sha256Hex(data), description: ACCESS_REPORT_DESCRIPTION });
    extras.push({ name: 'report.html', data });
  }
  extras.unshift({ name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2)) });
  const unstaged = staged.find(({ f }) => f.crc32 === undefined || f.compressedBytes === undefined || !f.stagedAs);
  if (unstaged) throw new Error(`${unstaged.f.name} was not staged for the archive`);
  const entries = [
    ...staged.map(({ f, file }): RawEntry => ({
      name: f.name,
      method: f.method ?? 8,
      crc32: f.crc32!,
      size: f.bytes,
      compressedSize: f.compressedBytes!,
      source: file,
    })),
    ...extras.map(({ name, data }): RawEntry => {
      const z = deflateRawSync(data, { level: ZIP_LEVEL });
      return { name, method: 8, crc32: crc32(data), size: data.length, compressedSize: z.length, source: z };
    }),
  ];
  const out = await storage.writeArchive(requestId);
  let written: { bytes: number; sha256: string };
  let location: string;
  try {
    written = await writeRawZip(out.stream, entries);
    location = await out.stored();
  } catch (err) {
    await out.abort(err as Error);
    throw withPlace(err, { store: 'archive-storage', collection: storage.kind });
  }
  const { bytes, sha256 } = written;

  const expiresAt = new Date(Date.now() + deps.config.EXPORT_LINK_TTL_DAYS * 86_400_000);
  const exportId = await insertExport(db, {
    id: randomUUID(),
    requestId,
    path: location,
    storage: storage.kind,
    bytes,
    sha256,
    manifest,
    expiresAt,
  });
  for (const n of notIncluded) {
    await appendAudit(db, {
      eventKey: `${requestId}:not_included:${addressKey(n)}`,
      requestId,
      actor: 'worker',
      action: AUDIT_ACTIONS.collectionNotIncluded,
      store: n.store,
      collection: n.collection,
      details: { kind: n.kind, reason: n.reason },
    });
  }
  await appendAudit(db, {
    eventKey: `${requestId}:export.packaged`,
    requestId,
    actor: 'worker',
    action: AUDIT_ACTIONS.exportPackaged,
    details: {
      exportId,
      bytes,
      sha256,
      collections: manifest.totals.collections,
      rows: manifest.totals.rows,
      notIncluded: notIncluded.length,
      expiresAt: expiresAt.toISOString(),
    },
  });
  await deleteManualUploads(db, requestId);
  await storage.dropStaging(requestId);
  return { exportId, bytes, sha256, collections: manifest.totals.collections, rows: manifest.totals.rows };
}
