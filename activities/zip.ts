// A minimal ZIP writer for entries whose data is already compressed (raw deflate, written while
// the collection was read, with its CRC-32 and sizes known), so packaging only copies bytes.
// archiver cannot take pre-deflated data. ZIP64 fields when a size or offset passes 4 GiB.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';

export interface RawEntry {
  name: string;
  /** 8 = deflate, 0 = stored */
  method: 0 | 8;
  crc32: number;
  size: number;
  compressedSize: number;
  /** a file holding exactly the entry's (compressed) data, the data itself, or where to read it (archive storage) */
  source: string | Buffer | (() => Promise<Readable>);
}

const MAX32 = 0xffffffff;

function dosDateTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** Writes a ZIP of `entries` to `out` (a file, an upload), ends it; returns its size and SHA-256. */
export async function writeRawZip(out: Writable, entries: RawEntry[], now = new Date()): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  const write = async (o: Writable, buf: Buffer) => {
    hash.update(buf);
    if (!o.write(buf)) await once(o, 'drain');
  };
  const { time, date } = dosDateTime(now);
  let offset = 0;
  const central: Buffer[] = [];
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const zip64 = e.size >= MAX32 || e.compressedSize >= MAX32 || offset >= MAX32;
    const localExtra = zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
    if (zip64) {
      localExtra.writeUInt16LE(0x0001, 0);
      localExtra.writeUInt16LE(16, 2);
      localExtra.writeBigUInt64LE(BigInt(e.size), 4);
      localExtra.writeBigUInt64LE(BigInt(e.compressedSize), 12);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(zip64 ? 45 : 20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(e.method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(e.crc32 >>> 0, 14);
    local.writeUInt32LE(zip64 ? MAX32 : e.compressedSize, 18);
    local.writeUInt32LE(zip64 ? MAX32 : e.size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    await write(out, Buffer.concat([local, name, localExtra]));
    const localOffset = offset;
    offset += local.length + name.length + localExtra.length;
    if (Buffer.isBuffer(e.source)) await write(out, e.source);
    else {
      const input = typeof e.source === 'string' ? createReadStream(e.source, { highWaterMark: 1 << 20 }) : await e.source();
      for await (const chunk of input) await write(out, chunk as Buffer);
    }
    offset += e.compressedSize;

    const cdExtra = zip64 ? Buffer.alloc(28) : Buffer.alloc(0);
    if (zip64) {
      cdExtra.writeUInt16LE(0x0001, 0);
      cdExtra.writeUInt16LE(24, 2);
      cdExtra.writeBigUInt64LE(BigInt(e.size), 4);
      cdExtra.writeBigUInt64LE(BigInt(e.compressedSize), 12);
      cdExtra.writeBigUInt64LE(BigInt(localOffset), 20);
    }
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE((3 << 8) | (zip64 ? 45 : 20), 4); // made by: unix
    cd.writeUInt16LE(zip64 ? 45 : 20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(e.method, 10);
    cd.writeUInt16LE(time, 12);
    cd.writeUInt16LE(date, 14);
    cd.writeUInt32LE(e.crc32 >>> 0, 16);
    cd.writeUInt32LE(zip64 ? MAX32 : e.compressedSize, 20);
    cd.writeUInt32LE(zip64 ? MAX32 : e.size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt16LE(cdExtra.length, 30);
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: regular file, 0644
    cd.writeUInt32LE(zip64 ? MAX32 : localOffset, 42);
    central.push(cd, name, cdExtra);
  }
  const cdBuf = Buffer.concat(central);
  const cdOffset = offset;
  await write(out, cdBuf);
  offset += cdBuf.length;
  const needZip64 = cdOffset >= MAX32 || entries.length >= 0xffff;
  if (needZip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(entries.length), 24);
    rec.writeBigUInt64LE(BigInt(entries.length), 32);
    rec.writeBigUInt64LE(BigInt(cdBuf.length), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(offset), 8);
    loc.writeUInt32LE(1, 16);
    await write(out, Buffer.concat([rec, loc]));
    offset += 76;
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  eocd.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  eocd.writeUInt32LE(Math.min(cdBuf.length, MAX32), 12);
  eocd.writeUInt32LE(needZip64 ? MAX32 : cdOffset, 16);
  await write(out, eocd);
  offset += 22;
  out.end();
  await once(out, 'finish');
  return { bytes: offset, sha256: hash.digest('hex') };
}
