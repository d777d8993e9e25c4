// A store no API reaches: the work is a task for the privacy team, and the request workflow
// waits until an admin completes it (activities/manual-tasks.ts opens and closes the task).
// For access and export the team uploads what the store holds, or records that it holds nothing.
import { listManualUploads, manualUploadContent } from '../../records/manual-uploads';
import type { ConnectorFor } from './connector';
import { NOTHING_DONE, targetOf } from './connector';

/** A file name safe inside the archive: no folders, no control characters. */
const archiveFileName = (name: string) => name.replace(/[/\\\p{Cc}]/gu, '_').replace(/^\.+/, '_') || 'upload';

export const manualConnector: ConnectorFor<'manual'> = {
  async read(ctx, sink) {
    if (!ctx.requestId) throw new Error('a manual store is read only for a request');
    const db = ctx.deps.engineDb;
    const uploads = await listManualUploads(db, ctx.requestId, ctx.node.store);
    const files = [];
    for (const u of uploads) {
      const content = await manualUploadContent(db, ctx.requestId, ctx.node.store, u.fileName);
      files.push(await sink.write(`files/${ctx.node.store}/${archiveFileName(u.fileName)}`, [content]));
    }
    await sink.sample(uploads.map((u) => ({ file: u.fileName, bytes: u.bytes, sha256: u.sha256 })));
    return uploads.length
      ? { rows: uploads.length, unit: 'files', files, note: `provided by the privacy team (${ctx.node.spec.description})` }
      : { rows: 0, unit: 'files', files, note: 'the privacy team searched this store and found nothing held about you' };
  },
  async plan(ctx) {
    return { ...targetOf(ctx.node), action: 'manual', rows: 0 };
  },
  async erase(ctx) {
    return { ...NOTHING_DONE, ...targetOf(ctx.node), action: 'manual' };
  },
  async verify() {
    return 0;
  },
  // The team acts by hand (opt-out, restriction, objection); completing the task is the record of it.
  async process(ctx, change) {
    return { ...targetOf(ctx.node), change: change.kind, rows: 0, remaining: 0, columns: [] };
  },
  // The team corrects by hand; completing the task is the record of it.
  async correct(ctx) {
    return { ...targetOf(ctx.node), changes: [] };
  },
};
