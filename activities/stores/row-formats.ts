// Rows (objects, as a driver yields them) written as the archive's two files per collection: a
// JSON array and a CSV file, byte for byte in the layout PostgreSQL's COPY gives the other SQL
// store — `[\n{…},\n{…}\n]\n` (or `[]\n`), and a header line then one line per row, fields quoted
// as RFC 4180 says (NULL is an empty field, an empty string `""`), lines ending in \n.
import { Transform, type TransformCallback } from 'node:stream';

/** Text is pushed in chunks of about this many characters, not one per row. */
const CHUNK = 64 * 1024;

/** Binary values as PostgreSQL writes bytea (`\x` and hex); everything else as the driver gives it. */
export function plainValue(v: unknown): unknown {
  return Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : v;
}

function hasBinary(row: Record<string, unknown>): boolean {
  for (const k in row) if (Buffer.isBuffer(row[k])) return true;
  return false;
}

export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  const p = plainValue(v);
  const text = typeof p === 'object' ? JSON.stringify(p) : String(p);
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

abstract class RowText extends Transform {
  rows = 0;
  private pending = '';
  constructor() {
    super({ writableObjectMode: true });
  }
  protected abstract format(row: Record<string, unknown>): string;
  protected abstract end_(): string;
  override _transform(row: Record<string, unknown>, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending += this.format(row);
    this.rows++;
    if (this.pending.length >= CHUNK) {
      this.push(this.pending);
      this.pending = '';
    }
    done();
  }
  override _flush(done: TransformCallback): void {
    done(null, this.pending + this.end_());
  }
}

/** A JSON array, one row a line; keeps the first `sampleSize` rows for the access report. */
export class RowsAsJsonArray extends RowText {
  readonly sample: Record<string, unknown>[] = [];
  constructor(private readonly sampleSize: number) {
    super();
  }
  protected format(row: Record<string, unknown>): string {
    const plain = hasBinary(row) ? Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plainValue(v)])) : row;
    if (this.sample.length < this.sampleSize) this.sample.push(plain);
    return (this.rows === 0 ? '[\n' : ',\n') + JSON.stringify(plain);
  }
  protected end_(): string {
    return this.rows === 0 ? '[]\n' : '\n]\n';
  }
}

/** CSV with a header line; `columns` is asked when the header is written (after the driver named them). */
export class RowsAsCsv extends RowText {
  private names: string[] | null = null;
  constructor(private readonly columns: () => string[]) {
    super();
  }
  private header(): string {
    if (this.names) return '';
    this.names = this.columns();
    return `${this.names.map(csvField).join(',')}\n`;
  }
  protected format(row: Record<string, unknown>): string {
    let line = this.header();
    const names = this.names!;
    for (let i = 0; i < names.length; i++) line += (i ? ',' : '') + csvField(row[names[i]]);
    return `${line}\n`;
  }
  protected end_(): string {
    return this.header();
  }
}
