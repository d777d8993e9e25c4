// The one classification of store errors: real error objects (pg's DatabaseError with the fields
// the server sends, a refused connection, mysql2's error shape, the S3 SDK's exceptions, the
// processor client's ProcessorError) sorted into retryable and not, with descriptions that never
// carry a row value, and the NeedsAttention failure the data steps throw.
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, DatabaseError } from 'pg';
import { NoSuchBucket, S3ServiceException } from '@aws-sdk/client-s3';
import { classifyDataStepFailures, classifyError, failureFor, withPlace } from '../../activities/failures';
import { ProcessorError } from '../../activities/stores/http';
import { DataMapError } from '../../schemas/datamap';
import { NEEDS_ATTENTION_FAILURE } from '../../schemas/workflow';
import { freePort } from '../support/ports';

/** As pg's parser builds it from the server's ErrorResponse. */
function pgError(code: string, message: string, fields: Partial<DatabaseError> = {}): DatabaseError {
  const e = new DatabaseError(message, 100, 'error');
  Object.assign(e, { severity: 'ERROR', code, ...fields });
  return e;
}

/** As mysql2 builds it from the server's error packet. */
function mysqlError(code: string, errno: number, sqlState: string, sqlMessage: string): Error {
  return Object.assign(new Error(sqlMessage), { code, errno, sqlState, sqlMessage, fatal: false });
}

test('PostgreSQL: missing table, column, function or privilege are not retryable, described by the server message', () => {
  assert.deepEqual(classifyError(pgError('42P01', 'relation "usage_logs" does not exist')), {
    retryable: false,
    errorClass: 'postgres 42P01',
    reason: 'relation "usage_logs" does not exist',
  });
  for (const [code, message] of [
    ['42703', 'column t.ip_addr does not exist'],
    ['42501', 'permission denied for table usage_logs'],
    ['42883', 'function lower(integer) does not exist'],
  ])
    assert.equal(classifyError(pgError(code, message)).retryable, false, code);
});

test('PostgreSQL data and constraint errors are not retryable and never quote the value', () => {
  const tooLong = classifyError(pgError('22001', 'value too long for type character varying(10)', { column: 'billing_email' }));
  assert.deepEqual(tooLong, {
    retryable: false,
    errorClass: 'postgres 22001',
    reason: 'a value is too long for its column (column "billing_email")',
  });
  const badInput = classifyError(pgError('22P02', 'invalid input syntax for type integer: "alice@example.com"'));
  assert.equal(badInput.retryable, false);
  assert.ok(!badInput.reason.includes('alice'), badInput.reason);
  const unique = classifyError(
    pgError('23505', 'duplicate key value violates unique constraint "accounts_email_key"', {
      constraint: 'accounts_email_key',
      detail: 'Key (email)=(alice@example.com) already exists.',
    }),
  );
  assert.deepEqual(unique, {
    retryable: false,
    errorClass: 'postgres 23505',
    reason: 'the change violates constraint "accounts_email_key"',
  });
});

test('PostgreSQL transient errors are retryable: serialization, deadlock, lock and statement timeouts, shutdown, connection class', () => {
  for (const code of ['40001', '40P01', '55P03', '57014', '57P01', '57P02', '57P03', '08006', '08001'])
    assert.equal(classifyError(pgError(code, 'transient')).retryable, true, code);
});

test('a refused connection (a real one) is retryable', async () => {
  const client = new Client({ host: '127.0.0.1', port: await freePort(), user: 'x', database: 'x' });
  const err = await client.connect().then(
    () => assert.fail('connected to a closed port'),
    (e: unknown) => e,
  );
  assert.equal((err as { code?: string }).code, 'ECONNREFUSED');
  assert.deepEqual(classifyError(err), { retryable: true, errorClass: 'ECONNREFUSED', reason: 'transient failure' });
});

test('MySQL: no such table, unknown column and access denied are not retryable; a deadlock is; a duplicate never quotes its value', () => {
  assert.deepEqual(classifyError(mysqlError('ER_NO_SUCH_TABLE', 1146, '42S02', "Table 'shop.orders' doesn't exist")), {
    retryable: false,
    errorClass: 'mysql ER_NO_SUCH_TABLE',
    reason: "Table 'shop.orders' doesn't exist",
  });
  assert.equal(classifyError(mysqlError('ER_BAD_FIELD_ERROR', 1054, '42S22', "Unknown column 'x' in 'field list'")).retryable, false);
  assert.equal(
    classifyError(mysqlError('ER_TABLEACCESS_DENIED_ERROR', 1142, '42000', "DELETE command denied to user 'app'@'%' for table 'orders'"))
      .retryable,
    false,
  );
  assert.equal(
    classifyError(mysqlError('ER_DBACCESS_DENIED_ERROR', 1044, '42000', "Access denied for user 'app'@'%' to database 'shop'")).retryable,
    false,
  );
  assert.equal(
    classifyError(mysqlError('ER_ACCESS_DENIED_ERROR', 1045, '28000', "Access denied for user 'app'@'localhost'")).retryable,
    false,
  );
  assert.equal(classifyError(mysqlError('ER_LOCK_DEADLOCK', 1213, '40001', 'Deadlock found when trying to get lock')).retryable, true);
  const dup = classifyError(mysqlError('ER_DUP_ENTRY', 1062, '23000', "Duplicate entry 'alice@example.com' for key 'email'"));
  assert.equal(dup.retryable, false);
  assert.ok(!dup.reason.includes('alice'));
});

test('processors: a 4xx other than 408/409/429 is not retryable; 5xx, 408, 409, 429 are', () => {
  const answered = (status: number) => classifyError(new ProcessorError(`erase answered HTTP ${status} (expected 200/204)`));
  assert.deepEqual(answered(404), { retryable: false, errorClass: 'http 404', reason: 'erase answered HTTP 404 (expected 200/204)' });
  assert.equal(answered(401).retryable, false);
  assert.equal(answered(422).retryable, false);
  for (const s of [408, 409, 429, 500, 502, 503]) assert.equal(answered(s).retryable, true, String(s));
});

test('S3: AccessDenied and NoSuchBucket are not retryable; a 503 SlowDown is', () => {
  const noBucket = new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } });
  assert.deepEqual(classifyError(noBucket), { retryable: false, errorClass: 's3 NoSuchBucket', reason: 'S3 answered NoSuchBucket' });
  const denied = new S3ServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message: 'Access Denied',
  });
  assert.equal(classifyError(denied).retryable, false);
  const slow = new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Slow down' });
  assert.equal(classifyError(slow).retryable, true);
});

test('an invalid data map is not retryable', () => {
  assert.equal(classifyError(new DataMapError([{ path: 'stores.x', message: 'bad' }])).retryable, false);
});

test('the data steps throw a non-retryable NeedsAttention failure naming store, collection and class; other errors pass unchanged', async () => {
  const missing = pgError('42P01', 'relation "usage_logs" does not exist');
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const activities = classifyDataStepFailures({
    eraseTarget: async (_id: string, _t: { store: string; collection: string }) => {
      throw missing;
    },
    readTarget: async (_id: string, _t: { store: string; collection: string }) => {
      throw refused;
    },
    resolveSubject: async (_id: string) => {
      throw withPlace(pgError('42703', 'column t.emali does not exist'), { store: 'app_db', collection: 'accounts' });
    },
    recordStep: async () => {
      throw missing; // not a data step: unchanged
    },
  });
  const target = { store: 'app_db', collection: 'usage_logs', kind: 'postgres' as const };
  const failure = await activities.eraseTarget('r1', target).catch((e: unknown) => e);
  assert.ok(failure instanceof ApplicationFailure);
  assert.equal(failure.nonRetryable, true);
  assert.equal(failure.type, NEEDS_ATTENTION_FAILURE);
  assert.equal(failure.message, 'app_db.usage_logs: postgres 42P01: relation "usage_logs" does not exist');
  assert.deepEqual(failure.details, [
    { store: 'app_db', collection: 'usage_logs', errorClass: 'postgres 42P01', reason: 'relation "usage_logs" does not exist' },
  ]);
  assert.equal(await activities.readTarget('r1', target).catch((e: unknown) => e), refused);
  const resolved = (await activities.resolveSubject('r1').catch((e: unknown) => e)) as ApplicationFailure;
  assert.deepEqual(resolved.details?.[0], {
    store: 'app_db',
    collection: 'accounts',
    errorClass: 'postgres 42703',
    reason: 'column t.emali does not exist',
  });
  assert.equal(await activities.recordStep().catch((e: unknown) => e), missing);
  // an already non-retryable failure of a connector (S3's refused identity) becomes NeedsAttention too
  const s3 = failureFor(
    ApplicationFailure.nonRetryable('media: a value of identity email cannot form an object key prefix', 'IdentityRefused'),
    target,
  );
  assert.equal((s3 as ApplicationFailure).type, NEEDS_ATTENTION_FAILURE);
});
