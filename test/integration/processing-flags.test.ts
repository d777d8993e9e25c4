// Store-level: the SQL connector's processing changes (opt-out, restriction and its lifting,
// objection) on a real MariaDB server and a real PostgreSQL server, one table shape and one data
// map for both. Each change is counted in the database afterwards: only the subject's rows change,
// only the mapped columns, and the connector's own re-query (`remaining`) agrees.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Connection } from 'mysql2/promise';
import type { Pool } from 'pg';
import type { ActivityDeps } from '../../activities/deps';
import { mysqlConnector } from '../../activities/stores/mysql-connector';
import { closeMysqlPools } from '../../activities/stores/mysql';
import { postgresConnector } from '../../activities/stores/postgres-connector';
import { resolvedSubject } from '../../activities/subject';
import { parseDataMaps } from '../../schemas/datamap';
import { compileDataMap, isCollection, type CollectionEntry, type CompiledDataMap } from '../../schemas/datamap-graph';
import type { ProcessingChange } from '../../schemas/processing';
import { startMariaDb, type MariaDbServer } from '../support/mariadb';
import { startDatabases, type Databases } from '../support/stack';

const mapOf = (kind: 'mysql' | 'postgres') => `
identities: [email, member_id]
purposes:
  direct_marketing:
    description: Offers by e-mail
    stop:
      - { store: crm, collection: members, set: { marketing_opt_in: false } }
  product_analytics:
    description: Usage analysis
    stop:
      - { store: crm, collection: members, set: { analytics_opt_in: false } }
stores:
  crm:
    kind: ${kind}
    url: \${CRM_URL}
    description: The CRM
    collections:
      members:
        identity: { email: email }
        provides: { member_id: id }
        purposes: [membership]
        fields:
          email: { category: contact.email }
          sale_opt_out: { category: user.preferences }
          marketing_opt_in: { category: user.preferences }
          analytics_opt_in: { category: user.preferences }
          restricted_at: { category: system.restriction }
        onOptOut: { set: { sale_opt_out: true } }
        restrictColumn: restricted_at
      member_orders:
        references: { member_id: members.id }
        purposes: [order fulfilment]
        fields:
          total_cents: { category: user.financial }
          restricted_at: { category: system.restriction }
        restrictColumn: restricted_at
`;

/** The tables, in either dialect: three members, the subject (id 1) with three orders, the others with two each. */
const DDL = {
  mysql: [
    `CREATE TABLE members (id BIGINT PRIMARY KEY, email VARCHAR(320) NOT NULL, sale_opt_out TINYINT(1) NOT NULL DEFAULT 0,
       marketing_opt_in TINYINT(1) NOT NULL DEFAULT 1, analytics_opt_in TINYINT(1) NOT NULL DEFAULT 1, restricted_at DATETIME(6) NULL)`,
    `CREATE TABLE member_orders (id BIGINT PRIMARY KEY, member_id BIGINT NOT NULL, total_cents INT NOT NULL, restricted_at DATETIME NULL)`,
  ],
  postgres: [
    `CREATE TABLE members (id bigint PRIMARY KEY, email text NOT NULL, sale_opt_out boolean NOT NULL DEFAULT false,
       marketing_opt_in boolean NOT NULL DEFAULT true, analytics_opt_in boolean NOT NULL DEFAULT true, restricted_at timestamptz)`,
    `CREATE TABLE member_orders (id bigint PRIMARY KEY, member_id bigint NOT NULL, total_cents int NOT NULL, restricted_at timestamptz)`,
  ],
};
const SEED = [
  "INSERT INTO members (id, email) VALUES (1, 'subject@example.com'), (2, 'other@example.com'), (3, 'third@example.com')",
  'INSERT INTO member_orders (id, member_id, total_cents) VALUES (10, 1, 100), (11, 1, 200), (12, 1, 300), (20, 2, 50), (21, 2, 60), (30, 3, 70), (31, 3, 80)',
];

/** One database under test: run SQL, count with SQL. */
interface Db {
  exec(sql: string): Promise<void>;
  count(sql: string): Promise<number>;
}

let maria: MariaDbServer;
let shop: Connection;
let dbs: Databases;
let crmPg: Pool;

before(async () => {
  [maria, dbs] = await Promise.all([startMariaDb({ database: 'crm' }), startDatabases({ extraAccounts: 0, usagePerExtraAccount: 0 })]);
  shop = await maria.connect();
  crmPg = dbs.appDb;
});
after(async () => {
  await shop?.end();
  await closeMysqlPools();
  await maria?.stop();
  await dbs?.stop();
});

function suite(kind: 'mysql' | 'postgres') {
  let db: Db;
  let map: CompiledDataMap;
  const connector = kind === 'mysql' ? mysqlConnector : postgresConnector;

  before(async () => {
    db =
      kind === 'mysql'
        ? {
            exec: async (sql) => void (await shop.query(sql)),
            count: async (sql) => Number(((await shop.query(sql))[0] as { n: unknown }[])[0].n),
          }
        : {
            exec: async (sql) => void (await crmPg.query(sql)),
            count: async (sql) => Number((await crmPg.query<{ n: string }>(sql)).rows[0].n),
          };
    for (const sql of [...DDL[kind], ...SEED]) await db.exec(sql);
    const url = kind === 'mysql' ? maria.url : dbs.appUrl;
    map = compileDataMap(parseDataMaps([{ name: 'crm.yml', text: mapOf(kind) }], { CRM_URL: url }));
  });

  const node = (collection: string): CollectionEntry => {
    const n = map.node({ store: 'crm', collection });
    assert.ok(isCollection(n));
    return n;
  };
  /** Applies a change to one collection for the subject (member 1), as the processing activity does. */
  const apply = (collection: string, change: ProcessingChange) => {
    const preds =
      collection === 'members'
        ? [{ column: 'email', values: ['subject@example.com'], caseInsensitive: true }]
        : [{ column: 'member_id', values: ['1'], caseInsensitive: false }];
    const subject = resolvedSubject([{ store: 'crm', collection, predicates: preds }], {
      email: ['subject@example.com'],
      member_id: ['1'],
    });
    const deps = { dataMap: map } as unknown as ActivityDeps;
    return connector.process!({ deps, node: node(collection), subject }, change);
  };
  const restricted = async () => ({
    subject:
      (await db.count('SELECT count(*) AS n FROM members WHERE id = 1 AND restricted_at IS NOT NULL')) +
      (await db.count('SELECT count(*) AS n FROM member_orders WHERE member_id = 1 AND restricted_at IS NOT NULL')),
    others:
      (await db.count('SELECT count(*) AS n FROM members WHERE id <> 1 AND restricted_at IS NOT NULL')) +
      (await db.count('SELECT count(*) AS n FROM member_orders WHERE member_id <> 1 AND restricted_at IS NOT NULL')),
  });

  test(`${kind}: an opt-out sets the mapped flag on the subject's row only`, async () => {
    const out = await apply('members', { kind: 'opt_out' });
    assert.deepEqual([out.rows, out.remaining, out.columns], [1, 0, ['sale_opt_out']]);
    assert.equal(await db.count('SELECT count(*) AS n FROM members WHERE sale_opt_out AND id = 1'), 1);
    assert.equal(await db.count('SELECT count(*) AS n FROM members WHERE sale_opt_out'), 1, 'nobody else is opted out');
    const again = await apply('members', { kind: 'opt_out' });
    assert.equal(again.remaining, 0, 'applying it again changes nothing and is still proven');
  });

  test(`${kind}: a restriction marks every row of the subject in each collection with restrictColumn, and lifting clears them`, async () => {
    assert.deepEqual(await restricted(), { subject: 0, others: 0 });
    const members = await apply('members', { kind: 'restrict' });
    const orders = await apply('member_orders', { kind: 'restrict' });
    assert.deepEqual([members.rows, members.remaining, orders.rows, orders.remaining], [1, 0, 3, 0]);
    assert.deepEqual(await restricted(), { subject: 4, others: 0 }, 'the account and its three orders, nobody else');
    const markedAt = await db.count('SELECT count(DISTINCT restricted_at) AS n FROM member_orders WHERE member_id = 1');
    assert.equal(markedAt, 1, 'one moment of restriction');
    const restrictedAgain = await apply('member_orders', { kind: 'restrict' });
    assert.equal(restrictedAgain.remaining, 0, 'a second restriction keeps the first moment (COALESCE) and is proven');

    const liftMembers = await apply('members', { kind: 'lift_restriction' });
    const liftOrders = await apply('member_orders', { kind: 'lift_restriction' });
    assert.deepEqual([liftMembers.remaining, liftOrders.rows, liftOrders.remaining], [0, 3, 0]);
    assert.deepEqual(await restricted(), { subject: 0, others: 0 }, 'every mark cleared');
  });

  test(`${kind}: an objection to direct marketing stops the mapped processing (marketing only, the subject only)`, async () => {
    const out = await apply('members', { kind: 'object', purpose: 'direct_marketing' });
    assert.deepEqual([out.rows, out.remaining, out.columns], [1, 0, ['marketing_opt_in']]);
    assert.equal(await db.count('SELECT count(*) AS n FROM members WHERE NOT marketing_opt_in'), 1);
    assert.equal(await db.count('SELECT count(*) AS n FROM members WHERE id = 1 AND NOT marketing_opt_in'), 1);
    assert.equal(await db.count('SELECT count(*) AS n FROM members WHERE NOT analytics_opt_in'), 0, 'other purposes go on');
    const orders = await apply('member_orders', { kind: 'object', purpose: 'direct_marketing' });
    assert.deepEqual([orders.rows, orders.columns], [0, []], 'a collection the purpose does not name is left alone');
  });
}

describe('processing flags on MariaDB (mysql connector)', () => suite('mysql'));
describe('processing flags on PostgreSQL (postgres connector)', () => suite('postgres'));
