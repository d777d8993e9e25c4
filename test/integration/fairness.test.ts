// Work slots on the real stack (ACTIVE_REQUESTS_MAX = 2): eight pre-verified requests, never more
// than two doing data work at once, admitted in the order they were received, each completed with
// one answer (a deletion gives its slot back while it waits for its purge).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { admissionCounts } from '../../records/work-admissions';
import { submit, waitForStatus } from '../support/flow';
import { startStack, productToken, type Stack } from '../support/stack';

const CAP = 2;
let stack: Stack;
before(async () => {
  stack = await startStack({ config: { ACTIVE_REQUESTS_MAX: String(CAP) } });
  await stack.startWorker();
});
after(async () => stack?.stop());

async function waitForMail(id: string, subject: RegExp): Promise<void> {
  const until = Date.now() + 90_000;
  while (!stack.smtp.mails.some((m) => m.text.includes(id) && subject.test(m.subject))) {
    if (Date.now() > until) throw new Error(`no mail for ${id}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const vouch = (email: string) => productToken(email);

test('at most ACTIVE_REQUESTS_MAX requests work at once; the rest are admitted in order of receipt', { timeout: 120_000 }, async () => {
  const requests: { id: string; type: string }[] = [];
  let mostActive = 0;
  let sawWaiting = false;
  const sampler = setInterval(() => {
    void admissionCounts(stack.db.engineDb).then((c) => {
      mostActive = Math.max(mostActive, c.active);
      if (c.waiting > 0) sawWaiting = true;
    });
  }, 20);
  try {
    for (let i = 1; i <= 8; i++) {
      const email = `user${i}@example.net`;
      const type = i % 4 === 0 ? 'deletion' : 'export';
      const res = await submit(stack, { type, email }, { 'x-subject-token': await vouch(email) });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      requests.push({ id: res.body.id, type });
    }
    // an export completes; a deletion is answered (deactivated, purge in 28 days) and gives its slot back while it waits
    for (const r of requests)
      if (r.type === 'export') await waitForStatus(stack, r.id, 'completed', 90_000);
      else await waitForMail(r.id, /delet/i);
  } finally {
    clearInterval(sampler);
  }

  const { rows } = await stack.db.engineDb.query<{
    request_id: string;
    received_at: Date;
    queued_at: Date;
    admitted_at: Date;
    released_at: Date;
  }>(
    `SELECT w.request_id, r.received_at, w.queued_at, w.admitted_at, w.released_at
       FROM work_admissions w JOIN requests r ON r.id = w.request_id WHERE w.request_id = ANY($1::uuid[])`,
    [requests.map((r) => r.id)],
  );
  assert.equal(rows.length, requests.length, 'every request took a slot');
  for (const r of rows) assert.ok(r.admitted_at && r.released_at, 'every slot was given back');
  // from the recorded instants: how many held a slot at each admission
  const overlap = Math.max(...rows.map((a) => rows.filter((b) => b.admitted_at <= a.admitted_at && b.released_at > a.admitted_at).length));
  assert.ok(overlap <= CAP, `${overlap} requests held a slot at once`);
  assert.ok(mostActive <= CAP, `${mostActive} active at once (sampled)`);
  assert.ok(sawWaiting, 'some requests waited for a slot');
  // nobody overtakes: a request already waiting when another was admitted was received later, or admitted no later
  for (const a of rows)
    for (const b of rows)
      if (a.received_at < b.received_at && a.queued_at < b.admitted_at)
        assert.ok(a.admitted_at <= b.admitted_at, `${b.request_id} was admitted before ${a.request_id}, received and waiting earlier`);

  // each request answered once: an export link or a deletion notice per request
  for (const r of requests) {
    const mails = stack.smtp.mails.filter((m) => m.text.includes(r.id));
    const kind = r.type === 'export' ? /ready/i : /delet/i;
    assert.equal(mails.filter((m) => kind.test(m.subject)).length, 1, `${r.type} ${r.id}: ${mails.map((m) => m.subject).join(' | ')}`);
  }
  assert.deepEqual(await admissionCounts(stack.db.engineDb), { active: 0, waiting: 0 });
});
