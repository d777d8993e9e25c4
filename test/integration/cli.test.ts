import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { main } from '../../cli/dsar';
import { codeFrom } from '../support/flow';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let api: string;
before(async () => {
  stack = await startStack();
  await stack.startWorker();
  await stack.app.listen({ host: '127.0.0.1', port: 0 });
  api = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
});
after(async () => stack?.stop());

async function dsar(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'dsar', ...args], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { DATABASE_URL: stack.db.engineUrl, TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_TASK_QUEUE: stack.taskQueue },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('submit, verify, status, plan and audit verify through the dsar command', async () => {
  const submitted = await dsar('submit', '--type', 'export', '--email', 'carol@example.com', '--api', api);
  assert.equal(submitted.code, 0, submitted.err);
  const { id, statusToken } = JSON.parse(submitted.out);
  const mail = await stack.smtp.waitFor((m) => m.text.includes(id));
  const verified = await dsar('verify', id, codeFrom(mail.text), '--api', api);
  assert.equal(verified.code, 0, verified.err);

  const deadline = Date.now() + 30_000;
  let status = await dsar('status', id, '--token', statusToken, '--api', api);
  while (!/status\s+completed/.test(status.out) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    status = await dsar('status', id, '--token', statusToken, '--api', api);
  }
  assert.match(status.out, /status\s+completed/);
  assert.match(status.out, /usage_logs\s+done\s+40/);
  const anonymous = await dsar('status', id, '--api', api);
  assert.match(anonymous.out, /status\s+completed/);
  assert.doesNotMatch(anonymous.out, /usage_logs|^type /m, 'without the token: status and due date only');

  const created = await dsar('admin-key', 'create', '--name', 'cli-test');
  assert.equal(created.code, 0, created.err);
  const key = created.out.split('\n')[0];
  assert.match(key, /^dsar_/);
  const plan = await dsar('plan', '--email', 'carol@example.com', '--key', key, '--api', api);
  assert.equal(plan.code, 0, plan.err);
  assert.match(plan.out, /1\s+app_db\s+usage_logs\s+delete\s+40/, 'children first');
  assert.match(plan.out, /2\s+app_db\s+accounts\s+purge\s+1/, 'then the collection they reference');
  assert.match(plan.out, /billing_records\s+retain\s+12\s+GDPR Art\. 17\(3\)\(b\)/);
  assert.match(plan.out, /Statements, in the order they run/);
  assert.match(plan.out, /1\. app_db\.usage_logs \(delete, 40 rows\)\n {5}(WITH|DELETE)\b.*"public"\."usage_logs"/);
  assert.match(plan.out, /after P30D:\n {5}DELETE FROM "public"\."accounts"/);
  const noKey = await dsar('plan', '--email', 'carol@example.com', '--api', api);
  assert.equal(noKey.code, 1);
  assert.match(noKey.err, /admin API key is needed/);

  const audit = await dsar('audit', 'verify');
  assert.equal(audit.code, 0);
  assert.match(audit.out, /^audit trail intact: \d+ events, head [0-9a-f]{64}$/);
  const report = await dsar('report', '--from', '2020-01-01', '--to', '2100-01-01', '--format', 'csv');
  assert.equal(report.code, 0, report.err);
  assert.match(report.out, /^type,jurisdiction,received/);
  assert.match(report.out, /\nexport,policy,1,1,0,/);
  const table = await dsar('report', '--from', '2020-01-01', '--to', '2100-01-01');
  assert.match(table.out, /CCPA §7102/);
  assert.equal((await dsar('report', '--from', 'yesterday', '--to', '2100-01-01')).code, 1);
  // anchors: signed with the secret the worker has, checked by verify
  const anchored = await dsar('audit', 'anchor', '--json');
  assert.equal(anchored.code, 1, 'no secret: refused');
  assert.match(anchored.err, /AUDIT_ANCHOR_SECRET or SIGNING_SECRET/);
  const withSecret = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['node', 'dsar', ...args], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { DATABASE_URL: stack.db.engineUrl, SIGNING_SECRET: stack.config.SIGNING_SECRET },
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const anchor = await withSecret('audit', 'anchor', '--json');
  assert.equal(anchor.code, 0, anchor.err);
  const { seq } = JSON.parse(anchor.out);
  assert.ok(seq >= 1);
  const checked = await withSecret('audit', 'verify');
  assert.equal(checked.code, 0, checked.err);
  assert.match(checked.out, new RegExp(`^audit trail intact: \\d+ events, head [0-9a-f]{64}, reaches its last anchor \\(seq ${seq}, `));
  const ranged = await dsar('audit', 'verify', '--from', '2', '--to', '4', '--json');
  assert.equal(JSON.parse(ranged.out).events, 3);
  const schedules = await dsar('schedules', 'apply');
  assert.equal(schedules.code, 0, schedules.err);
  assert.match(schedules.out, /dsar-retention-sweep:\S+ (created|updated)/);
});

test('a client command against an API that is not running says so in one line', async () => {
  const r = await dsar('status', '00000000-0000-4000-8000-000000000000', '--api', 'http://127.0.0.1:9');
  assert.equal(r.code, 1);
  assert.match(r.err, /cannot reach the API/);
});
