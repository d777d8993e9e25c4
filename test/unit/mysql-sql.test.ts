// How the MySQL connector picks out a subject's rows: values bound, matches exact although
// MySQL's usual collations ignore case and accents, integers compared as integers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notHeldWhere, subjectWhere, type MysqlTable } from '../../activities/stores/mysql';
import { fromSqlTime, plusDuration } from '../../activities/stores/mysql-erase';

const columns = {
  email: { text: true, collationIgnoresCase: true, collationIsBinary: false, integer: null },
  code: { text: true, collationIgnoresCase: false, collationIsBinary: true, integer: null },
  login: { text: true, collationIgnoresCase: false, collationIsBinary: false, integer: null },
  customer_id: { text: false, collationIgnoresCase: false, collationIsBinary: false, integer: 'UNSIGNED' },
} as const;
const table = {
  col: (name: string) => `\`t\`.\`${name}\``,
  column: (name: string) => columns[name as keyof typeof columns],
} as unknown as MysqlTable;

test('an email is matched through its index by the collation, then lower-cased byte for byte', () => {
  const w = subjectWhere(table, [{ column: 'email', caseInsensitive: true, values: ['a@x.com', 'b@x.com'] }]);
  assert.equal(w.sql, '((`t`.`email` IN (?, ?) AND CONVERT(lower(`t`.`email`) USING utf8mb4) COLLATE utf8mb4_bin IN (?, ?)))');
  assert.deepEqual(w.params, ['a@x.com', 'b@x.com', 'a@x.com', 'b@x.com']);
});

test('other text is matched byte for byte unless its collation already is binary', () => {
  assert.equal(
    subjectWhere(table, [{ column: 'login', caseInsensitive: false, values: ['José'] }]).sql,
    '((`t`.`login` IN (?) AND CONVERT(`t`.`login` USING utf8mb4) COLLATE utf8mb4_bin IN (?)))',
  );
  assert.equal(subjectWhere(table, [{ column: 'code', caseInsensitive: false, values: ['X1'] }]).sql, '(`t`.`code` IN (?))');
});

test('integers are bound as text and cast, so large ids stay exact; a value that is no integer matches nothing', () => {
  const w = subjectWhere(table, [{ column: 'customer_id', caseInsensitive: false, values: ['9007199254740993', 'x1'] }]);
  assert.equal(w.sql, '(`t`.`customer_id` IN (CAST(? AS UNSIGNED)))');
  assert.deepEqual(w.params, ['9007199254740993']);
  assert.equal(subjectWhere(table, [{ column: 'customer_id', caseInsensitive: false, values: ['x1'] }]).sql, '(FALSE)');
  assert.equal(subjectWhere(table, []).sql, 'FALSE');
});

test('rows of held subjects are excluded NULL-safely; an expiry adds months, then seconds', () => {
  const h = notHeldWhere(table, [{ column: 'customer_id', caseInsensitive: false, values: ['7'] }]);
  assert.equal(h.sql, 'NOT COALESCE((`t`.`customer_id` IN (CAST(? AS UNSIGNED))), FALSE)');
  assert.equal(notHeldWhere(table, []).sql, 'TRUE');
  assert.deepEqual(plusDuration('`t`.`ts`', 'P1Y1D'), {
    sql: 'DATE_ADD(DATE_ADD(`t`.`ts`, INTERVAL ? MONTH), INTERVAL ? SECOND)',
    params: [12, 86400],
  });
});

test("the server's date text is read as UTC; a zero date is no date", () => {
  assert.equal(fromSqlTime('2027-02-28 13:45:10')!.toISOString(), '2027-02-28T13:45:10.000Z');
  assert.equal(fromSqlTime('2026-11-23 20:05:32.044292')!.toISOString(), '2026-11-23T20:05:32.044Z');
  assert.equal(fromSqlTime('2020-02-29')!.toISOString(), '2020-02-29T00:00:00.000Z');
  assert.equal(fromSqlTime('0000-00-00 00:00:00'), null);
  assert.equal(fromSqlTime(null), null);
});
