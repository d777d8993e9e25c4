// A MySQL/MariaDB collection's table against what the data map needs: the table and its columns
// (information_schema.COLUMNS) and the current user's privileges (USER_, SCHEMA_ and
// TABLE_PRIVILEGES). Privileges granted only through roles are not listed there: when none is
// listed at all, privileges are not judged.
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { MyCollection } from './mysql';
import type { TableNeeds } from './schema-check';

const GRANTEE = `CONCAT("'", SUBSTRING_INDEX(CURRENT_USER(), '@', 1), "'@'", SUBSTRING_INDEX(CURRENT_USER(), '@', -1), "'")`;

export async function checkMysqlTable(pool: Pool, entry: MyCollection, needs: TableNeeds): Promise<string[]> {
  const [cols] = await pool.execute<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?`,
    [entry.schema, entry.table],
  );
  const table = entry.schema ? `"${entry.schema}"."${entry.table}"` : `"${entry.table}"`;
  if (!cols.length) return [`table ${table} does not exist (or is not visible to the store's user)`];
  const has = new Set(cols.map((r) => String(r.name)));
  const problems = [...needs.columns]
    .filter(([c]) => !has.has(c))
    .map(([c, why]) => `column "${c}" (${why}) does not exist in table ${table}`);
  const [privs] = await pool.execute<RowDataPacket[]>(
    `SELECT PRIVILEGE_TYPE AS p, CURRENT_USER() AS u FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ${GRANTEE}
     UNION SELECT PRIVILEGE_TYPE, CURRENT_USER() FROM information_schema.SCHEMA_PRIVILEGES
      WHERE GRANTEE = ${GRANTEE} AND TABLE_SCHEMA = COALESCE(?, DATABASE())
     UNION SELECT PRIVILEGE_TYPE, CURRENT_USER() FROM information_schema.TABLE_PRIVILEGES
      WHERE GRANTEE = ${GRANTEE} AND TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?`,
    [entry.schema, entry.schema, entry.table],
  );
  if (!privs.length) return problems;
  const granted = new Set(privs.map((r) => String(r.p).toUpperCase()));
  const user = String(privs[0].u);
  for (const [privilege, why] of needs.privileges)
    if (!granted.has(privilege)) problems.push(`user "${user}" lacks ${privilege} on table ${table} (needed by ${why})`);
  return problems;
}
