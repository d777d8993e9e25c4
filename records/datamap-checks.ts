// The datamap_checks table: each start-up check of the data map against the live stores, so the
// dashboard shows the latest errors and warnings. Only the last few are kept.
import { DataMapCheckResult } from '../schemas/datamap-check';
import type { Queryable } from './db';

const KEEP = 20;

export async function saveDataMapCheck(db: Queryable, result: DataMapCheckResult): Promise<void> {
  await db.query(`INSERT INTO datamap_checks (checked_at, errors, warnings) VALUES ($1, $2, $3)`, [
    result.checkedAt,
    JSON.stringify(result.errors),
    JSON.stringify(result.warnings),
  ]);
  await db.query(
    `DELETE FROM datamap_checks WHERE id NOT IN (SELECT id FROM datamap_checks ORDER BY checked_at DESC, id DESC LIMIT ${KEEP})`,
  );
}

export async function latestDataMapCheck(db: Queryable): Promise<DataMapCheckResult | null> {
  const { rows } = await db.query<{ checked_at: Date; errors: unknown; warnings: unknown }>(
    `SELECT checked_at, errors, warnings FROM datamap_checks ORDER BY checked_at DESC, id DESC LIMIT 1`,
  );
  if (!rows[0]) return null;
  return DataMapCheckResult.parse({ checkedAt: rows[0].checked_at.toISOString(), errors: rows[0].errors, warnings: rows[0].warnings });
}
