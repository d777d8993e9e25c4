// The plans table: dry runs of a deletion, who asked for them, and what they found.
import type { PlanEntry } from '../schemas/workflow';
import type { Queryable } from './db';

export async function insertPlan(
  db: Queryable,
  p: { id: string; type: string; subjectEmail: string; subjectHash: string; requestedBy: string },
): Promise<void> {
  await db.query('INSERT INTO plans (id, type, subject_email, subject_hash, requested_by) VALUES ($1, $2, $3, $4, $5)', [
    p.id,
    p.type,
    p.subjectEmail,
    p.subjectHash,
    p.requestedBy,
  ]);
}

/** The address a plan is for; throws when there is no such plan. */
export async function loadPlanSubjectEmail(db: Queryable, planId: string): Promise<string> {
  const { rows } = await db.query<{ subject_email: string }>('SELECT subject_email FROM plans WHERE id = $1', [planId]);
  if (!rows[0]) throw new Error(`plan ${planId} is not in the engine database`);
  return rows[0].subject_email;
}

export async function savePlanResult(db: Queryable, planId: string, entries: PlanEntry[]): Promise<void> {
  await db.query('UPDATE plans SET result = $2 WHERE id = $1', [planId, JSON.stringify(entries)]);
}
