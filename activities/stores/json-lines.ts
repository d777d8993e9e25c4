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
    // one output buffer per chunk: each row gains a 2-byte separator and loses its newline
    let rowsHere = 1;
    for (let k = chunk.indexOf(NEWLINE); k !== -1; k = chunk.indexOf(NEWLINE, k + 1)) rowsHere++;
    const out = Buffer.allocUnsafe(chunk.length + rowsHere * 2);
    let o = 0;
    let i = 0;
    if (this.pendingBackslash && chunk.length) {
      this.pendingBackslash = false;
      i = 1; // the second backslash of a pair split across chunks: already written once
    }
    while (i < chunk.length) {
      if (this.atRowStart) {
        out[o++] = this.rows === 0 ? 0x5b : 0x2c; // '[' or ','
        out[o++] = NEWLINE;
        this.atRowStart = false;
      }
      const nl = chunk.indexOf(NEWLINE, i);
      const end = nl === -1 ? chunk.length : nl;
      o = this.copyUnescaped(chunk, i, end, out, o);
      if (nl === -1) break;
      this.rows++;
      this.atRowStart = true;
      i = nl + 1;
    }
    done(null, out.subarray(0, o));
  }

  override _flush(done: TransformCallback): void {
    done(null, Buffer.from(this.rows === 0 ? '[]\n' : '\n]\n'));
  }

  /** Copies chunk[start, end) to out at o, undoubling backslashes; returns the new o. */
  private copyUnescaped(chunk: Buffer, start: number, end: number, out: Buffer, o: number): number {
    let from = start;
    for (;;) {
      const bs = chunk.indexOf(BACKSLASH, from);
      if (bs === -1 || bs >= end) return o + chunk.copy(out, o, from, end);
      // keep text up to and including the first backslash, skip the second
      o += chunk.copy(out, o, from, bs + 1);
      if (bs + 1 >= end) {
        if (bs + 1 >= chunk.length) this.pendingBackslash = true;
        return o;
      }
      from = bs + 2;
    }
  }
}
