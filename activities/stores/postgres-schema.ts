// A PostgreSQL collection's table against what the data map needs: the table, its columns
// (from pg_catalog, which shows columns whatever the role's privileges) and the role's table
// privileges (has_table_privilege).
import type { Pool } from 'pg';
import type { TableNeeds } from './schema-check';
import type { PgCollection } from './sql';

export async function checkPostgresTable(pool: Pool, entry: PgCollection, needs: TableNeeds): Promise<string[]> {
  const schema = entry.schema ?? 'public';
  const { rows } = await pool.query<{ columns: string[]; sel: boolean; upd: boolean; del: boolean; role: string }>(
    `SELECT array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            has_table_privilege(c.oid, 'SELECT') AS sel, has_table_privilege(c.oid, 'UPDATE') AS upd,
            has_table_privilege(c.oid, 'DELETE') AS del, current_user::text AS role
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
    [schema, entry.table],
  );
  const table = schema === 'public' ? `"${entry.table}"` : `"${schema}"."${entry.table}"`;
  if (!rows[0]) return [`table ${table} does not exist`];
  const { columns, sel, upd, del, role } = rows[0];
  const has = new Set(columns);
  const problems = [...needs.columns]
    .filter(([c]) => !has.has(c))
    .map(([c, why]) => `column "${c}" (${why}) does not exist in table ${table}`);
  const granted = { SELECT: sel, UPDATE: upd, DELETE: del };
  for (const [privilege, why] of needs.privileges)
    if (!granted[privilege]) problems.push(`role "${role}" lacks ${privilege} on table ${table} (needed by ${why})`);
  return problems;
}
