import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../schemas/config';
import type { CompiledDataMap } from '../schemas/datamap-graph';
import type { ArchiveStorageConfig } from '../storage/archive-storage';

export interface ApiDeps {
  config: Pick<
    Config,
    | 'INBOX_WEBHOOK_SECRET'
    | 'INTAKE_RATE_LIMIT_PER_DAY'
    | 'SUBJECT_REQUESTS_PER_DAY'
    | 'VERIFY_ATTEMPTS_PER_HOUR'
    | 'VERIFY_FAILURES_PER_REQUEST'
    | 'SELF_SERVICE_TOKEN_SECRET'
    | 'DEFAULT_JURISDICTION'
    | 'TEMPORAL_TASK_QUEUE'
    | 'WORKFLOW_START_TIMEOUT_MS'
    | 'SIGNING_SECRET'
    | 'AUDIT_ANCHOR_SECRET'
    | 'AUDIT_HASH_SECRET'
    | 'RESPONSE_DAYS'
    | 'PURGE_SAFETY_MARGIN_DAYS'
    | 'VERIFICATION_TTL_HOURS'
    | 'PUBLIC_BASE_URL'
    | 'LOG_LEVEL'
    | 'MANUAL_UPLOAD_MAX_BYTES'
    | 'AGENT_PERMISSION_MAX_BYTES'
  > &
    ArchiveStorageConfig;
  engineDb: Pool;
  temporal: Client;
  /** The compiled data map: correctable fields at intake, which stores a request type touches. */
  dataMap: CompiledDataMap;
}

/** What every route plugin is registered with. */
export interface RoutesOptions {
  deps: ApiDeps;
}
