// One classification of the errors a store can throw: retryable (the store is down, busy or slow:
// Temporal tries again with backoff) or not (a missing table or column, a refused privilege, a
// value the column cannot hold, a processor's 4xx): no retry can fix those, so the data step
// fails at once with a non-retryable NeedsAttention failure and the request waits for a person.
// The failure's message and details hold the store, the collection, the error class and a
// description without row values: pg and MySQL messages are used only where they name
// identifiers alone; data and constraint errors get a fixed description.
import { ApplicationFailure } from '@temporalio/common';
import { DataMapError } from '../schemas/datamap';
import { NEEDS_ATTENTION_FAILURE, type AttentionCause } from '../schemas/workflow';
import { ProcessorError } from './stores/http';

export interface Classified {
  retryable: boolean;
  /** e.g. `postgres 42P01`, `mysql ER_NO_SUCH_TABLE`, `http 404`, `s3 NoSuchBucket`. */
  errorClass: string;
  /** What went wrong, without row values. */
  reason: string;
}

/** SQLSTATEs no retry can fix; the server's message for these names identifiers only. */
const PG_IDENTIFIER_ERRORS = new Set(['42P01', '42703', '42501', '42883']);
/** MySQL errors no retry can fix, named by identifiers: no such table, unknown column, access denied. */
const MYSQL_IDENTIFIER_ERRORS = new Set([1146, 1054, 1142, 1143, 1044, 1045]);
/** MySQL data and constraint errors (their messages may quote a value): too long, out of range, bad value, duplicate, foreign key, null. */
const MYSQL_DATA_ERRORS = new Set([1406, 1264, 1366, 1292, 1265, 1062, 1451, 1452, 1048, 1216, 1217]);
const RETRYABLE_HTTP = new Set([408, 409, 429]);
const S3_NOT_RETRYABLE = new Set(['AccessDenied', 'NoSuchBucket', 'InvalidAccessKeyId', 'AllAccessDisabled']);

type ErrorFields = {
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  sqlMessage?: unknown;
  severity?: unknown;
  constraint?: unknown;
  column?: unknown;
  name?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
};

const retryable = (errorClass: string, reason: string): Classified => ({ retryable: true, errorClass, reason });
const fatal = (errorClass: string, reason: string): Classified => ({ retryable: false, errorClass, reason });

function classifyPostgres(code: string, e: ErrorFields): Classified {
  const cls = `postgres ${code}`;
  if (PG_IDENTIFIER_ERRORS.has(code)) return fatal(cls, String(e.message));
  const where = typeof e.column === 'string' ? ` (column "${e.column}")` : '';
  if (code.startsWith('22'))
    return fatal(cls, `${code === '22001' ? 'a value is too long for its column' : 'a value does not fit its column'}${where}`);
  if (code.startsWith('23')) {
    const name = typeof e.constraint === 'string' ? ` "${e.constraint}"` : '';
    return fatal(cls, `the change violates constraint${name}${where}`);
  }
  // 40001/40P01 serialization and deadlock, 55P03 lock timeout, 57014 statement timeout,
  // 57P01..57P03 shutdown, 08xxx connection: and anything unknown, retried as before
  return retryable(cls, code.startsWith('08') ? 'connection failure' : 'transient database error');
}

function classifyMysql(errno: number, e: ErrorFields): Classified {
  const cls = `mysql ${typeof e.code === 'string' ? e.code : errno}`;
  if (MYSQL_IDENTIFIER_ERRORS.has(errno)) return fatal(cls, String(e.sqlMessage ?? e.message));
  if (MYSQL_DATA_ERRORS.has(errno)) return fatal(cls, 'a value does not fit its column or violates a constraint');
  return retryable(cls, 'transient database error');
}

/** Retryable or not, with a class and a description safe to show an admin. */
export function classifyError(err: unknown): Classified {
  if (err instanceof ApplicationFailure)
    return err.nonRetryable
      ? fatal(err.type ?? 'ApplicationFailure', err.message)
      : retryable(err.type ?? 'ApplicationFailure', err.message);
  if (err instanceof DataMapError) return fatal('datamap', 'the data map is invalid');
  const e = (err ?? {}) as ErrorFields;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && e.severity !== undefined) return classifyPostgres(e.code, e);
  if (typeof e.errno === 'number' && (e.sqlState !== undefined || (typeof e.code === 'string' && e.code.startsWith('ER_'))))
    return classifyMysql(e.errno, e);
  if (e.$metadata && typeof e.name === 'string') {
    const status = e.$metadata.httpStatusCode;
    return S3_NOT_RETRYABLE.has(e.name)
      ? fatal(`s3 ${e.name}`, `S3 answered ${e.name}`)
      : retryable(`s3 ${e.name}`, `HTTP ${status ?? '?'}`);
  }
  if (err instanceof ProcessorError) {
    const m = /answered HTTP (\d{3})/.exec(message);
    const status = m ? Number(m[1]) : undefined;
    if (status && status >= 400 && status < 500 && !RETRYABLE_HTTP.has(status)) return fatal(`http ${status}`, message);
    if (/no \w+ call in the data map/.test(message)) return fatal('datamap', message);
    return retryable(status ? `http ${status}` : 'http', message);
  }
  return retryable(typeof e.code === 'string' ? e.code : 'error', 'transient failure');
}

/** Where an error happened, when the activity's arguments do not say it (subject resolution). */
const PLACE = Symbol('attention place');
type Place = { store: string; collection: string };

export function withPlace<E>(err: E, place: Place): E {
  if (err && typeof err === 'object' && !(PLACE in err))
    Object.assign(err, { [PLACE]: { store: place.store, collection: place.collection } });
  return err;
}

/** A NeedsAttention failure for an error no retry can fix; the error itself otherwise. */
export function failureFor(err: unknown, fallback: Place): unknown {
  const c = classifyError(err);
  if (c.retryable) return err;
  if (err instanceof ApplicationFailure && err.type === NEEDS_ATTENTION_FAILURE) return err;
  const attached = err && typeof err === 'object' ? (err as { [PLACE]?: Place })[PLACE] : undefined;
  const place = attached ?? fallback;
  const cause: AttentionCause = { store: place.store, collection: place.collection, errorClass: c.errorClass, reason: c.reason };
  return ApplicationFailure.nonRetryable(
    `${cause.store}.${cause.collection}: ${cause.errorClass}: ${cause.reason}`,
    NEEDS_ATTENTION_FAILURE,
    cause,
  );
}

/** The activities that touch the product's stores: their errors are classified here, in one place. */
export const DATA_STEPS = [
  'resolveSubject',
  'readTarget',
  'packageExport',
  'eraseTarget',
  'correctTarget',
  'purgeTarget',
  'applyProcessing',
] as const;

const isPlace = (v: unknown): v is Place =>
  !!v && typeof v === 'object' && typeof (v as Place).store === 'string' && typeof (v as Place).collection === 'string';

/** Wraps the data steps so an error no retry can fix becomes a non-retryable NeedsAttention failure. */
export function classifyDataStepFailures<A extends object>(activities: A): A {
  const out: Record<string, unknown> = { ...(activities as Record<string, unknown>) };
  for (const name of DATA_STEPS) {
    const fn = out[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (!fn) continue;
    out[name] = async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw failureFor(err, isPlace(args[1]) ? args[1] : { store: 'engine', collection: name });
      }
    };
  }
  return out as A;
}
