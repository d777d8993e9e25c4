// Masks and restrictions are final (GDPR Art. 18(2)): a correction never writes clear text into a
// value erasure masked, nor changes a restricted (retained) row, unless the collection's
// `onErasure.correctRetained` allows it — and then the new value is masked the same way. Nor does
// it touch a row deactivated for a purge (its `softDelete.timestamp` set): rewriting its identity
// (a new e-mail address) would hide it from the purge that is due to delete it.
import { createHash } from 'node:crypto';
import type { ErasureSpec } from '../../schemas/datamap';
import { MASK_PREFIX, REDACTED } from './masking';

/** What protects one column of a collection from a correction. */
export interface CorrectionGuard {
  /** How erasure masks the column: values masked that way are final. */
  mask?: 'hash' | 'null' | 'redact';
  /** The restriction column: rows where it is set are restricted (or, for a purge, deactivated). */
  restrictColumn?: string;
  /** Why rows with `restrictColumn` set are left alone. */
  restrictedAs?: 'restricted' | 'awaiting_purge';
  /** When the map allows it: what masked values and restricted rows get instead (the new value, re-masked). Absent: left alone. */
  rewriteAs?: string | null;
}

/** What a backend's correction did to one column: rows changed, their distinct old values, rows left alone and why. */
export interface ColumnCorrection {
  rows: number;
  old: string[];
  skipped: { masked: number; restricted: number };
}

/** The value a mask of `how` gives `value`: the same as the SQL masks compute (masking.ts). */
export function maskedValue(how: 'hash' | 'null' | 'redact', value: string, salt: string): string | null {
  if (how === 'null') return null;
  if (how === 'redact') return REDACTED;
  return (
    MASK_PREFIX +
    createHash('sha256')
      .update(salt + value, 'utf8')
      .digest('hex')
  );
}

/** The guard of `column` under a collection's erasure spec, for a correction to `value`. */
export function correctionGuard(spec: ErasureSpec | undefined, column: string, value: string, salt: string): CorrectionGuard {
  if (spec?.action === 'purge')
    return spec.softDelete.timestamp ? { restrictColumn: spec.softDelete.timestamp, restrictedAs: 'awaiting_purge' } : {};
  if (!spec || (spec.action !== 'mask' && spec.action !== 'retain')) return {};
  const mask = spec.mask?.[column];
  const restrictColumn = spec.action === 'retain' ? spec.restrictColumn : undefined;
  const guard: CorrectionGuard = { mask, restrictColumn, restrictedAs: 'restricted' };
  if (spec.correctRetained) guard.rewriteAs = mask ? maskedValue(mask, value, salt) : value;
  return guard;
}
