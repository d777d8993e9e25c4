// Expected failures of the `dsar` command: one clear line each, never a stack trace
// (set DSAR_DEBUG=1 to see one anyway).
import { ConfigError } from '../schemas/config';
import { DataMapError } from '../schemas/datamap';
import { MissingToolError } from './stack/temporal';

/** A failure the user can act on; `message` is printed as is (none when already reported). */
export class CliError extends Error {
  constructor(
    message: string | null,
    readonly exitCode = 1,
  ) {
    super(message ?? '');
    this.name = 'CliError';
  }
  get reported(): boolean {
    return this.message === '';
  }
}

const NET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
};

/** The network error code behind an error (fetch wraps it in `cause`, happy eyeballs in `errors`). */
export function networkCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && e.code in NET_REASONS) return e.code;
    if (Array.isArray(e.errors) && e.errors.length) {
      const inner = networkCode(e.errors[0]);
      if (inner) return inner;
    }
    e = e.cause as typeof e;
  }
  return undefined;
}

export const networkReason = (code: string) => NET_REASONS[code] ?? code;

/** A connection URL fit for printing: the password is masked. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** One line (or the tool's own multi-line hint) for any error. */
export function describeError(err: unknown, context?: { databaseUrlName?: string; databaseUrl?: string }): string {
  if (err instanceof CliError || err instanceof ConfigError || err instanceof DataMapError || err instanceof MissingToolError) {
    return err.message;
  }
  const code = networkCode(err);
  if (code && context?.databaseUrl) {
    let where = context.databaseUrl;
    try {
      const u = new URL(context.databaseUrl);
      where = `${u.hostname}:${u.port || '5432'}`;
    } catch {
      /* keep the name only */
    }
    return `cannot connect to the database at ${where} (${context.databaseUrlName ?? 'DATABASE_URL'}): ${networkReason(code)}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] || (err instanceof Error ? err.name : 'unknown error');
}

export function debugEnabled(env: Record<string, string | undefined> = process.env): boolean {
  return !!env.DSAR_DEBUG && env.DSAR_DEBUG !== '0';
}
