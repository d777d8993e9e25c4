// One `COPY … TO STDOUT WITH (FORMAT csv, HEADER true)` feeds both archive files of a PostgreSQL
// collection: the CSV file is COPY's own output, and the JSON array is rendered here, in the
// worker, byte for byte as `row_to_json` renders it — so the product database formats each row
// once. Most types' JSON follows from their text form (numbers as they are unless NaN/Infinity,
// t/f as true/false, json/jsonb embedded, ISO timestamps with a T and a full zone offset, the rest
// as JSON strings); a column of any other type (arrays, composites, enums, extension types) is
// selected a second time as `to_json(col)` after the disclosed columns, and that text is
// embedded instead (those extra fields are cut from the CSV lines).
import { Writable, type PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** How a column's CSV text becomes its JSON value. */
export type JsonRendering = 'number' | 'integer' | 'bool' | 'json' | 'string' | 'date' | 'timestamp' | 'timestamptz' | 'extra';

const INTEGERS = new Set([20, 21, 23]); // int8, int2, int4
const NUMBERS = new Set([700, 701, 1700]); // float4, float8, numeric
const JSON_TYPES = new Set([114, 3802]); // json, jsonb
/** Built-in types `row_to_json` renders as the JSON string of their text output (json.c's JSONTYPE_OTHER). */
const STRING_TYPES = new Set([
  17, 18, 19, 25, 26, 142, 650, 774, 790, 829, 869, 1042, 1043, 1083, 1186, 1266, 1560, 1562, 2950,
  // bytea, "char", name, text, oid, xml, cidr, macaddr8, money, macaddr, inet, bpchar, varchar, time, interval, timetz, bit, varbit, uuid
]);

/**
 * The rendering of a column of type `oid` (as RowDescription reports it: a domain's base type).
 * Dates and timestamps are derived only under DateStyle ISO; otherwise PostgreSQL renders them.
 */
export function renderingOf(oid: number, isoDates: boolean): JsonRendering {
  if (INTEGERS.has(oid)) return 'integer';
  if (NUMBERS.has(oid)) return 'number';
  if (oid === 16) return 'bool';
  if (JSON_TYPES.has(oid)) return 'json';
  if (STRING_TYPES.has(oid)) return 'string';
  if (isoDates && oid === 1082) return 'date';
  if (isoDates && oid === 1114) return 'timestamp';
  if (isoDates && oid === 1184) return 'timestamptz';
  return 'extra';
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** `2024-05-01 10:00:00+02` (DateStyle ISO) → `2024-05-01T10:00:00+02:00` (XML Schema, as json.c writes it). */
function xsdTimestamp(text: string, withZone: boolean): string {
  const space = text.indexOf(' ');
  if (space === -1) return text; // infinity, -infinity
  const t = `${text.slice(0, space)}T${text.slice(space + 1)}`;
  if (!withZone) return t;
  const end = t.endsWith(' BC') ? t.length - 3 : t.length;
  const sign = t.charCodeAt(end - 3);
  return sign === 43 || sign === 45 ? `${t.slice(0, end)}:00${t.slice(end)}` : t; // '+' or '-' before two digits
}

function renderValue(r: JsonRendering, text: string): string {
  switch (r) {
    case 'integer':
    case 'json':
    case 'extra':
      return text;
    case 'number':
      return JSON_NUMBER.test(text) ? text : JSON.stringify(text);
    case 'bool':
      return text === 't' ? 'true' : 'false';
    case 'timestamp':
      return `"${xsdTimestamp(text, false)}"`; // digits, signs, colons, spaces and BC: nothing to escape
    case 'timestamptz':
      return `"${xsdTimestamp(text, true)}"`;
    default:
      return JSON.stringify(text);
  }
}

const QUOTE = 34;
const COMMA = 44;
const NEWLINE = 10;

export interface SplitColumns {
  /** The disclosed columns, in order: their names (JSON keys) and renderings. */
  names: string[];
  renderings: JsonRendering[];
}

/**
 * Parses COPY's CSV output (header line first) and writes the CSV file's bytes to `csv` and the
 * JSON array to `json` (either may be absent), waiting for both to drain. The CSV bytes are COPY's
 * own when no column needed an extra `to_json` field.
 */
export class CopyCsvSplitter extends Writable {
  rows = 0;
  private readonly extras: number[];
  private readonly keys: string[];
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  private headerSeen = false;

  constructor(
    private readonly columns: SplitColumns,
    private readonly json: PassThrough | null,
    private readonly csv: PassThrough | null,
  ) {
    super({ highWaterMark: 64 * 1024 });
    this.keys = columns.names.map((n, i) => (i ? ',' : '{') + JSON.stringify(n) + ':');
    // the extra to_json fields follow the disclosed columns in the order of the columns they render
    this.extras = [];
    let next = columns.names.length;
    for (const r of columns.renderings) this.extras.push(r === 'extra' ? next++ : -1);
  }

  private get cutsCsv(): boolean {
    return this.extras.some((e) => e >= 0);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const csvOut = this.csv && !this.cutsCsv ? chunk : null;
    const text = this.carry + this.decoder.write(chunk);
    const { json, csv, consumed } = this.parse(text, this.cutsCsv && this.csv !== null);
    this.carry = text.slice(consumed);
    this.send(csvOut ?? (csv ? Buffer.from(csv) : null), json ? Buffer.from(json) : null, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    const rest = this.carry + this.decoder.end();
    if (rest.length) return done(new Error('COPY output ended inside a row'));
    const close = this.rows === 0 ? '[]\n' : '\n]\n';
    this.json?.end(close);
    this.csv?.end();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (err) [this.json, this.csv].forEach((s) => s?.destroy(err));
    done(err);
  }

  private send(csv: Buffer | null, json: Buffer | null, done: () => void): void {
    const waits: Promise<void>[] = [];
    const put = (s: PassThrough | null, b: Buffer | null) => {
      if (s && b && b.length && !s.write(b)) waits.push(new Promise((resolve) => s.once('drain', resolve)));
    };
    put(this.csv, csv);
    put(this.json, json);
    if (!waits.length) return done();
    void Promise.all(waits).then(() => done());
  }

  /** Renders the complete rows of `text`; `consumed` is where the first incomplete row starts. */
  private parse(text: string, cutCsv: boolean): { json: string; csv: string; consumed: number } {
    const n = this.columns.names.length;
    const width = n + this.extras.filter((e) => e >= 0).length;
    const renderings = this.columns.renderings;
    const starts = new Array<number>(width);
    const ends = new Array<number>(width);
    const quoted = new Array<boolean>(width);
    let json = '';
    let csv = '';
    let row = 0;
    const len = text.length;
    let nextQuote = text.indexOf('"');
    for (;;) {
      // one row: fields separated by commas, a quoted field may hold commas, quotes ("") and newlines
      let p = row;
      let f = 0;
      let complete = false;
      const nl = text.indexOf('\n', row);
      if (nl === -1) return { json, csv, consumed: row };
      if (nextQuote !== -1 && nextQuote < row) nextQuote = text.indexOf('"', row);
      if (width === 0) {
        // every column withheld: COPY writes an empty line per row
        p = nl + 1;
        complete = true;
      } else if (nextQuote === -1 || nextQuote > nl) {
        // no quoted field in this row (the common case): split at the commas
        let from = row;
        for (let c = text.indexOf(',', row); c !== -1 && c < nl && f < width; c = text.indexOf(',', c + 1)) {
          starts[f] = from;
          ends[f] = c;
          quoted[f++] = false;
          from = c + 1;
        }
        starts[f] = from;
        ends[f] = nl;
        quoted[f++] = false;
        p = nl + 1;
        complete = true;
      }
      while (!complete && p < len) {
        if (text.charCodeAt(p) === QUOTE) {
          let q = p + 1;
          for (;;) {
            q = text.indexOf('"', q);
            if (q === -1 || q + 1 >= len) break;
            if (text.charCodeAt(q + 1) !== QUOTE) break;
            q += 2;
          }
          if (q === -1 || q + 1 >= len) break; // the field (or what follows it) is in the next chunk
          starts[f] = p + 1;
          ends[f] = q;
          quoted[f] = true;
          p = q + 1;
        } else {
          let e = p;
          while (e < len) {
            const c = text.charCodeAt(e);
            if (c === COMMA || c === NEWLINE) break;
            e++;
          }
          if (e >= len) break;
          starts[f] = p;
          ends[f] = e;
          quoted[f] = false;
          p = e;
        }
        f++;
        const c = text.charCodeAt(p);
        p++;
        if (c === NEWLINE) complete = true;
      }
      if (!complete) return { json, csv, consumed: row };
      if (f !== width) throw new Error(`COPY row has ${f} fields, ${width} expected`);
      if (cutCsv) csv += `${text.slice(row, ends[n - 1] + (quoted[n - 1] ? 1 : 0))}\n`;
      if (!this.headerSeen) {
        this.headerSeen = true;
      } else {
        json += this.rows === 0 ? '[\n' : ',\n';
        for (let i = 0; i < n; i++) {
          const r = renderings[i];
          const at = r === 'extra' ? this.extras[i] : i;
          const raw = text.slice(starts[at], ends[at]);
          const value = quoted[at] ? raw.replaceAll('""', '"') : raw;
          json += this.keys[i] + (!quoted[at] && value === '' ? 'null' : renderValue(r, value));
        }
        json += n ? '}' : '{}';
        this.rows++;
      }
      row = p;
    }
  }
}
