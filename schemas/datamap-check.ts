// The result of `dsar datamap check` (and of the worker's start-up check): findings against the
// live stores, each with the data-map path it is about. Errors stop the worker; warnings do not.
// Messages never carry personal data: sampled values are classified, never quoted.
import { z } from 'zod';

export const FindingSeverity = z.enum(['error', 'warning']);
export type FindingSeverity = z.infer<typeof FindingSeverity>;

/** What a finding is about, so CI and the dashboard can group them. */
export const FindingKind = z.enum([
  'map',
  'reachability',
  'existence',
  'privilege',
  'erase_order',
  'cycle',
  'index',
  'mask',
  'retention',
  'purge',
  'coverage',
  'unreachable_store',
  'todo',
]);
export type FindingKind = z.infer<typeof FindingKind>;

export const Finding = z.object({
  severity: FindingSeverity,
  kind: FindingKind,
  /** `stores.app_db.collections.accounts.fields.email` and the like. */
  path: z.string(),
  message: z.string(),
});
export type Finding = z.infer<typeof Finding>;

export const DataMapCheckResult = z.object({
  checkedAt: z.string(),
  errors: z.array(Finding),
  warnings: z.array(Finding),
});
export type DataMapCheckResult = z.infer<typeof DataMapCheckResult>;

const BY_PATH = (a: Finding, b: Finding) => a.path.localeCompare(b.path) || a.message.localeCompare(b.message);

export function checkResult(findings: Finding[], checkedAt = new Date()): DataMapCheckResult {
  return {
    checkedAt: checkedAt.toISOString(),
    errors: findings.filter((f) => f.severity === 'error').sort(BY_PATH),
    warnings: findings.filter((f) => f.severity === 'warning').sort(BY_PATH),
  };
}
