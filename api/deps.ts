import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../schemas/config';
import type { DataMap } from '../schemas/datamap';

export interface ApiDeps {
  config: Pick<Config, 'DEFAULT_JURISDICTION' | 'TEMPORAL_TASK_QUEUE' | 'SIGNING_SECRET' | 'RESPONSE_DAYS' | 'VERIFICATION_TTL_HOURS' | 'PUBLIC_BASE_URL' | 'LOG_LEVEL'>;
  engineDb: Pool;
  temporal: Client;
  /** The data map, to refuse corrections of fields no store marks correctable. */
  dataMap: DataMap;
}
