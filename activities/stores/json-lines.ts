import { Transform, type TransformCallback } from 'node:stream';

const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/**
 * Turns PostgreSQL `COPY (SELECT row_to_json(t) ...) TO STDOUT` text output into a JSON array.
 * In COPY's text format the only escape a JSON value can carry is a doubled backslash (JSON
 * itself escapes every control character), so undoubling backslashes restores the JSON; each
 * line is one row, which also gives the row count without parsing anything.
 */
export class CopyJsonToArray extends Transform {
  rows = 0;
  private pendingBackslash = false;
  private atRowStart = true;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const out: Buffer[] = [];
    let i = 0;
    if (this.pendingBackslash && chunk.length) {
      this.pendingBackslash = false;
      i = 1; // the second backslash of a pair split across chunks: already written once
    }
    while (i < chunk.length) {
      if (this.atRowStart) {
        out.push(Buffer.from(this.rows === 0 ? '[\n' : ',\n'));
        this.atRowStart = false;
      }
      const nl = chunk.indexOf(NEWLINE, i);
      const end = nl === -1 ? chunk.length : nl;
      this.copyUnescaped(chunk, i, end, out);
      if (nl === -1) break;
      this.rows++;
      this.atRowStart = true;
      i = nl + 1;
    }
    done(null, Buffer.concat(out));
  }

  override _flush(done: TransformCallback): void {
    done(null, Buffer.from(this.rows === 0 ? '[]\n' : '\n]\n'));
  }

  private copyUnescaped(chunk: Buffer, start: number, end: number, out: Buffer[]): void {
    let from = start;
    for (;;) {
      const bs = chunk.indexOf(BACKSLASH, from);
      if (bs === -1 || bs >= end) {
        if (from < end) out.push(chunk.subarray(from, end));
        return;
      }
      // keep text up to and including the first backslash, skip the second
      out.push(chunk.subarray(from, bs + 1));
      if (bs + 1 >= end) {
        if (bs + 1 >= chunk.length) this.pendingBackslash = true;
        return;
      }
      from = bs + 2;
    }
  }
}
