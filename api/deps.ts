import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../schemas/config';

export interface ApiDeps {
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'SIGNING_SECRET' | 'RESPONSE_DAYS' | 'VERIFICATION_TTL_HOURS' | 'PUBLIC_BASE_URL' | 'LOG_LEVEL'>;
  engineDb: Pool;
  temporal: Client;
}
