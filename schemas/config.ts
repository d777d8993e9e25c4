// Process configuration from the environment, validated at start; a missing or malformed setting is named.
import { z } from 'zod';
import { ExportS3Settings, ExportStorageSetting } from './export-storage';

const Url = (what: string) => z.string({ error: `${what} is required` }).min(1, `${what} is required`);
const PositiveInt = z.coerce.number().int().positive();

/** The files a database table can become in an archive: a JSON array, a CSV file. */
export const TABLE_FORMATS = ['json', 'csv'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

export const Config = z.object({
  DATABASE_URL: Url('DATABASE_URL (the engine database)'),
  TEMPORAL_ADDRESS: Url('TEMPORAL_ADDRESS (host:port of the Temporal frontend)'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('dsar'),
  /**
   * How long intake waits for Temporal to start a request's workflow. Past it (or when Temporal is
   * unreachable) the stored request is still answered 202 and the pending-workflow sweep starts it.
   */
  WORKFLOW_START_TIMEOUT_MS: PositiveInt.default(600),
  /** How often each API instance starts the stored requests that have no workflow yet. */
  PENDING_WORKFLOW_SWEEP_SECONDS: PositiveInt.default(10),
  SMTP_URL: Url('SMTP_URL (e.g. smtp://user:pass@mail.example.com:587)'),
  MAIL_FROM: z.string().min(3).default('Privacy Team <privacy@localhost>'),
  /** SMTP timeouts, so a hung mail server fails the attempt well within the mail step's 30 s budget. */
  SMTP_CONNECTION_TIMEOUT_MS: PositiveInt.default(10_000),
  SMTP_GREETING_TIMEOUT_MS: PositiveInt.default(10_000),
  /** Longest silence on an open SMTP connection. */
  SMTP_SOCKET_TIMEOUT_MS: PositiveInt.default(15_000),
  /** Where deadline reminders and escalations go. */
  PRIVACY_TEAM_EMAIL: z.string().min(3).default('privacy-team@localhost'),
  /** The jurisdiction applied when a request names none. */
  DEFAULT_JURISDICTION: z.enum(['policy', 'gdpr', 'ccpa']).default('policy'),
  /** GDPR: the supervisory authority subjects may complain to (named in GDPR notices only). */
  SUPERVISORY_AUTHORITY: z.string().min(3).default('your data protection supervisory authority (for example, where you live or work)'),
  /** CCPA: where a California consumer may complain (named in CCPA notices instead of a supervisory authority). */
  CCPA_COMPLAINT_TO: z
    .string()
    .min(3)
    .default('the California Privacy Protection Agency (https://cppa.ca.gov) or the California Attorney General (https://oag.ca.gov)'),
  /** The privacy team's public contact named in notices (an address or page); unset: "reply to this email". */
  PRIVACY_CONTACT: z.string().min(3).optional(),
  PUBLIC_BASE_URL: z.url({ error: 'PUBLIC_BASE_URL must be an absolute URL' }).default('http://localhost:3000'),
  SIGNING_SECRET: z
    .string({ error: 'SIGNING_SECRET is required (at least 32 characters; signs download links)' })
    .min(32, 'SIGNING_SECRET must be at least 32 characters'),
  /** Salt for hashed masks; derived from SIGNING_SECRET when unset. Keep it stable. */
  MASKING_SALT: z.string().min(16).optional(),
  /** HMAC secret of audit-chain anchors; derived from SIGNING_SECRET when unset. Keep it stable. */
  AUDIT_ANCHOR_SECRET: z.string().min(32, 'AUDIT_ANCHOR_SECRET must be at least 32 characters').optional(),
  /** HMAC secret of personal values kept in audit details and erased inbox mail; derived from SIGNING_SECRET when unset. Keep it stable. */
  AUDIT_HASH_SECRET: z.string().min(32, 'AUDIT_HASH_SECRET must be at least 32 characters').optional(),
  /** A workflow bundle built ahead of time with `dsar bundle`; otherwise bundled at start. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  DATAMAP_PATH: z.string().min(1).default('demo/datamap.yml'),
  EXPORT_DIR: z.string().min(1).default('.data/exports'),
  /** Where archives are kept: `local` (EXPORT_DIR) or `s3://bucket/prefix` (schemas/export-storage.ts). */
  EXPORT_STORAGE: ExportStorageSetting,
  ...ExportS3Settings,
  EXPORT_LINK_TTL_DAYS: PositiveInt.default(7),
  /** The files each database table becomes in an archive (comma-separated): json, csv, or both. */
  EXPORT_FORMATS: z
    .string()
    .regex(/^\s*(json|csv)\s*(,\s*(json|csv)\s*)?$/, 'EXPORT_FORMATS must be json, csv or json,csv')
    .default('json,csv')
    .transform((s) => TABLE_FORMATS.filter((f) => s.split(',').some((t) => t.trim() === f))),
  /** Largest file the privacy team may upload for a manual store's part of an access or export. */
  MANUAL_UPLOAD_MAX_BYTES: PositiveInt.default(10 * 1024 * 1024),
  /** CCPA §7062: request types whose verification also asks the data map's `stepUp` fact (comma-separated, e.g. deletion,access). */
  STEP_UP_FOR: z
    .string()
    .regex(/^\s*([a-z_]+\s*(,\s*[a-z_]+\s*)*)?$/, 'STEP_UP_FOR must be request types separated by commas, e.g. deletion,access')
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  /** Largest signed permission document an authorized agent may upload (CCPA §7063). */
  AGENT_PERMISSION_MAX_BYTES: PositiveInt.default(5 * 1024 * 1024),
  VERIFICATION_TTL_HOURS: PositiveInt.default(72),
  RESPONSE_DAYS: PositiveInt.default(30),
  /** A deletion's account purge runs at the latest this many days before the request's due date (measured from receipt). */
  PURGE_SAFETY_MARGIN_DAYS: z.coerce.number().int().min(0).max(14).default(2),
  /** Anonymous intake (POST /v1/requests) per client IP per day. */
  INTAKE_RATE_LIMIT_PER_DAY: PositiveInt.default(20),
  /** Requests per subject (email) per day, whatever the channel. */
  SUBJECT_REQUESTS_PER_DAY: PositiveInt.default(5),
  /**
   * Failed verification attempts per client IP per hour, counted in the engine database (shared by
   * every API instance); past it further wrong codes get 429. A correct code is always accepted.
   */
  VERIFY_ATTEMPTS_PER_HOUR: PositiveInt.default(30),
  /** Failed verification attempts per request (since its code was issued); past it the request's code no longer works. */
  VERIFY_FAILURES_PER_REQUEST: PositiveInt.default(10),
  /** HMAC secret the product signs self-service tokens with (HS256 JWT); unset disables them. */
  SELF_SERVICE_TOKEN_SECRET: z.string().min(32, 'SELF_SERVICE_TOKEN_SECRET must be at least 32 characters').optional(),
  /** Shared secret of POST /v1/inbox/messages (mail providers' inbound webhooks); unset disables it. */
  INBOX_WEBHOOK_SECRET: z.string().min(32, 'INBOX_WEBHOOK_SECRET must be at least 32 characters').optional(),
  /** The privacy@ mailbox to poll: imap://user:pass@host:port (or imaps://); unset disables the poller. */
  IMAP_URL: z
    .string()
    .regex(/^imaps?:\/\/[^@/]+@[^/]+/, 'IMAP_URL must look like imap://user:pass@host:port or imaps://user:pass@host:port')
    .optional(),
  IMAP_MAILBOX: z.string().min(1).default('INBOX'),
  IMAP_PROCESSED_FOLDER: z.string().min(1).default('Processed'),
  IMAP_POLL_SECONDS: PositiveInt.default(60),
  /** How long finished requests and their audit are kept (CCPA §7101 asks for at least 24 months). */
  RECORD_RETENTION_MONTHS: z.coerce.number().int().min(24, 'RECORD_RETENTION_MONTHS must be at least 24 (CCPA §7101)').default(24),
  /** The worker serves Prometheus metrics (activity failures) on this port when set. */
  /** Requests doing data work at once (all workers together); the rest wait their turn in order of receipt. */
  ACTIVE_REQUESTS_MAX: PositiveInt.default(40),
  /** Worker tuning: activity and workflow tasks run at once, and workflows kept in the sticky cache. */
  WORKER_MAX_ACTIVITIES: PositiveInt.default(40),
  WORKER_MAX_WORKFLOW_TASKS: PositiveInt.default(40),
  WORKER_MAX_CACHED_WORKFLOWS: PositiveInt.default(100),
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Longest statement on a product store or on the worker's engine-database connections, in ms (batched erasure statements stay well under 1 s). */
  DB_STATEMENT_TIMEOUT_MS: PositiveInt.default(60_000),
  /** Longest COPY of one collection for an export on a product store, in ms (a subject with millions of rows takes minutes). */
  DB_EXPORT_STATEMENT_TIMEOUT_MS: PositiveInt.default(1_800_000),
  /** Longest statement on the API's engine-database connections, in ms (an API call answers 503 past it). */
  API_DB_STATEMENT_TIMEOUT_MS: PositiveInt.default(15_000),
  /** Longest wait for a row or table lock on any PostgreSQL connection, in ms. */
  DB_LOCK_TIMEOUT_MS: PositiveInt.default(10_000),
  /** Longest wait for a PostgreSQL connection (opening one, or a free one in the pool), in ms. */
  DB_CONNECT_TIMEOUT_MS: PositiveInt.default(10_000),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`configuration is incomplete:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration; every missing or wrong setting is named in the error. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = Config.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => {
        const name = String(i.path[0] ?? '');
        return i.message.includes(name) ? i.message : `${name}: ${i.message}`;
      }),
    );
  }
  const c = result.data;
  if (!c.EXPORT_S3_ACCESS_KEY_ID !== !c.EXPORT_S3_SECRET_ACCESS_KEY)
    throw new ConfigError([
      'EXPORT_S3_ACCESS_KEY_ID and EXPORT_S3_SECRET_ACCESS_KEY go together: set both, or neither for the default credential chain',
    ]);
  return c;
}
