// The export benchmark's raw baseline (`COPY (SELECT …) TO STDOUT` piped into a ZIP in this
// process) and archive inspection (entry sizes read back with yauzl).
import archiver from 'archiver';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import yauzl from 'yauzl';
import { ZIP_LEVEL } from '../activities/export';
import { coresBusy, cpuByGroup, cpuDelta, fmtMB, machineCpu, MB } from './proc';

export interface RawRun {
  ms: number;
  rows: number;
  bytes: number;
  cores: number;
  cpu: Record<string, number>;
}

export async function rawCopyToZip(appUrl: string, accountId: string, file: string): Promise<RawRun> {
  const client = new Client({ connectionString: appUrl });
  await client.connect();
  try {
    const cpu0 = cpuByGroup(0);
    const m0 = machineCpu();
    const t0 = performance.now();
    // the id is an integer from our own INSERT … RETURNING; COPY takes no parameters
    const sql = `COPY (SELECT * FROM usage_logs WHERE account_id = ${BigInt(accountId)} ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER true)`;
    const archive = archiver('zip', { zlib: { level: ZIP_LEVEL } });
    const out = createWriteStream(file);
    archive.pipe(out);
    const copy = client.query(copyTo(sql));
    const copied = finished(copy);
    archive.append(copy, { name: 'usage_logs.csv' });
    await archive.finalize();
    await Promise.all([finished(out), copied]);
    const ms = performance.now() - t0;
    const cores = coresBusy(m0, machineCpu(), ms);
    return { ms, rows: copy.rowCount, bytes: (await stat(file)).size, cores, cpu: cpuDelta(cpu0, cpuByGroup(0)) };
  } finally {
    await client.end();
  }
}

export interface ZipEntryInfo {
  name: string;
  size: number;
  compressed: number;
}

export function listZip(file: string): Promise<ZipEntryInfo[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: ZipEntryInfo[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        out.push({ name: e.fileName, size: e.uncompressedSize, compressed: e.compressedSize });
        zip.readEntry();
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Total uncompressed size of a ZIP's entries. */
export const unzipped = (es: ZipEntryInfo[]) => es.reduce((n, e) => n + e.size, 0);

/** The report's "archives" section: the raw ZIP against the engine's, with the large entries. */
export function printArchives(rawBytes: number, rawEntries: ZipEntryInfo[], engineZipBytes: number, engineEntries: ZipEntryInfo[]): void {
  console.log('archives');
  console.log(
    `  raw.zip      ${fmtMB(rawBytes).padStart(10)}   1 entry (${rawEntries.map((e) => `${e.name} ${fmtMB(e.size)}`).join(', ')})`,
  );
  console.log(
    `  engine zip   ${fmtMB(engineZipBytes).padStart(10)}   ${engineEntries.length} entries, ${fmtMB(unzipped(engineEntries))} uncompressed, of which:`,
  );
  for (const e of engineEntries.filter((x) => x.size > MB))
    console.log(`    ${e.name.padEnd(34)}${fmtMB(e.size).padStart(10)} → ${fmtMB(e.compressed)}`);
}
