import type { Transporter } from 'nodemailer';
import type { Pool } from 'pg';
import type { Config } from '../schemas/config';
import type { CompiledDataMap } from '../schemas/datamap-graph';

/** What every activity may use; built once per worker process. */
export interface ActivityDeps {
  engineDb: Pool;
  /** The data map, validated and compiled once per process. */
  dataMap: CompiledDataMap;
  mailer: Transporter;
  config: Pick<
    Config,
    | 'MAIL_FROM'
    | 'MASKING_SALT'
    | 'RECORD_RETENTION_MONTHS'
    | 'ACTIVE_REQUESTS_MAX'
    | 'PRIVACY_TEAM_EMAIL'
    | 'SUPERVISORY_AUTHORITY'
    | 'CCPA_COMPLAINT_TO'
    | 'PRIVACY_CONTACT'
    | 'PUBLIC_BASE_URL'
    | 'SIGNING_SECRET'
    | 'AUDIT_ANCHOR_SECRET'
    | 'AUDIT_HASH_SECRET'
    | 'EXPORT_DIR'
    | 'EXPORT_STORAGE'
    | 'EXPORT_S3_ENDPOINT'
    | 'EXPORT_S3_REGION'
    | 'EXPORT_S3_ACCESS_KEY_ID'
    | 'EXPORT_S3_SECRET_ACCESS_KEY'
    | 'EXPORT_S3_FORCE_PATH_STYLE'
    | 'EXPORT_LINK_TTL_DAYS'
    | 'EXPORT_FORMATS'
    | 'VERIFICATION_TTL_HOURS'
    | 'STEP_UP_FOR'
  >;
}
