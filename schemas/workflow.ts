// Types shared by the workflow and its callers. Pure: safe to import from workflow code.
import type { Duration } from '@temporalio/common';
import type { CollectionProgress, RequestStatus, RequestType } from './request';

export const TASK_QUEUE_DEFAULT = 'dsar';
export const DSAR_WORKFLOW = 'dsarRequest';

export interface DsarRequestInput {
  requestId: string;
  type: RequestType;
  /** How long the subject has to verify, e.g. '7 days' (ms-format string or ms number). */
  verificationTimeout: Duration;
  /** True when the request arrived already authenticated (e.g. a signed-in self-service call). */
  preVerified?: boolean;
}

export interface DsarRequestState {
  requestId: string;
  type: RequestType;
  status: RequestStatus;
  progress: CollectionProgress[];
  exportId?: string;
}

export interface CollectionRef {
  store: string;
  collection: string;
}

export interface FileDigest {
  name: string;
  bytes: number;
  sha256: string;
}

export interface CollectionExportResult extends CollectionRef {
  rows: number;
  files: FileDigest[];
}

export interface ExportPackage {
  exportId: string;
  bytes: number;
  sha256: string;
  collections: number;
  rows: number;
}

export const QUERY_STATE = 'state';
export const UPDATE_VERIFY = 'verify';
