// Archives in a local folder (EXPORT_DIR): staging under staging/<request>/, the archive written
// as <request>.zip.partial and renamed whole, so a reader never sees half an archive.
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import type { ArchiveStorage, StorageWriter } from './archive-storage';

export const localStagingDir = (exportDir: string, requestId: string) => path.join(exportDir, 'staging', requestId);

/** Writes to `target` through `<target>.partial`, renamed once complete. */
async function fileWriter(target: string): Promise<StorageWriter> {
  const partial = `${target}.partial`;
  await mkdir(path.dirname(target), { recursive: true });
  const stream = createWriteStream(partial, { highWaterMark: 1 << 20 });
  const closed = once(stream, 'close');
  closed.catch(() => undefined); // a failed write surfaces through the stream's own error
  return {
    stream,
    async stored() {
      if (!stream.closed) await closed;
      await rename(partial, target);
      return target;
    },
    async abort(err) {
      stream.destroy(err);
      await rm(partial, { force: true });
    },
  };
}

export function localArchiveStorage(exportDir: string): ArchiveStorage {
  return {
    kind: 'local',
    stageFile: (requestId, file) => fileWriter(path.join(localStagingDir(exportDir, requestId), file)),
    async openStaged(requestId, file) {
      const p = path.join(localStagingDir(exportDir, requestId), file);
      await access(p);
      return createReadStream(p, { highWaterMark: 1 << 20 });
    },
    dropStaging: (requestId) => rm(localStagingDir(exportDir, requestId), { recursive: true, force: true }),
    writeArchive: (requestId) => fileWriter(path.join(exportDir, `${requestId}.zip`)),
    async openArchive(location) {
      try {
        await access(location);
      } catch {
        return null;
      }
      return createReadStream(location, { highWaterMark: 1 << 20 });
    },
    removeArchive: (location) => rm(location, { force: true }),
  };
}
