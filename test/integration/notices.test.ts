// Notices as mailed by the real stack: what they say about service providers follows from the
// request's outcomes, and the recourse from its jurisdiction.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeFrom, submit, verify, waitForErasure } from '../support/flow';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;

before(async () => {
  stack = await startStack(); // the demo data map alone: no processor in it
  await stack.startWorker();
});
after(async () => stack?.stop());

test('GDPR Art. 19: a deletion with no processor in the data map mails no service-provider sentence', async () => {
  assert.ok(!Object.values(stack.deps.dataMap.source.stores).some((s) => s.kind === 'http' || (s.kind === 'manual' && s.processor)));
  const email = 'alice@example.com';
  const { status, body } = await submit(stack, { type: 'deletion', email, jurisdiction: 'ccpa' });
  assert.equal(status, 202);
  const confirm = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /Confirm/.test(m.subject));
  assert.equal((await verify(stack, body.id, codeFrom(confirm.text))).status, 200);
  await waitForErasure(stack, body.id); // the deletion notice goes out before the account's purge
  const notice = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /deleted/.test(m.subject));
  assert.match(notice.text, /Deleted now:/, 'the notice reports what was deleted');
  assert.doesNotMatch(notice.text, /service providers/);
  assert.doesNotMatch(notice.text, /supervisory authority/, 'a CCPA notice never names a supervisory authority');
});
