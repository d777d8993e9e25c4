import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../schemas/config';
import type { DataMap } from '../schemas/datamap';

export interface ApiDeps {
  config: Pick<
    Config,
    | 'INBOX_WEBHOOK_SECRET'
    | 'INTAKE_RATE_LIMIT_PER_DAY'
    | 'SUBJECT_REQUESTS_PER_DAY'
    | 'VERIFY_ATTEMPTS_PER_HOUR'
    | 'SELF_SERVICE_TOKEN_SECRET'
    | 'DEFAULT_JURISDICTION'
    | 'TEMPORAL_TASK_QUEUE'
    | 'SIGNING_SECRET'
    | 'RESPONSE_DAYS'
    | 'VERIFICATION_TTL_HOURS'
    | 'PUBLIC_BASE_URL'
    | 'LOG_LEVEL'
  >;
  engineDb: Pool;
  temporal: Client;
  /** The data map, to refuse corrections of fields no store marks correctable. */
  dataMap: DataMap;
}

/** What every route plugin is registered with. */
export interface RoutesOptions {
  deps: ApiDeps;
}
