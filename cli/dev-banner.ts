// What `dsar dev` prints once the stack is up: where everything is, the demo accounts, a first
// request to try.
import type { DevStackInfo } from './dev';

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatBanner(info: DevStackInfo): string {
  const rows: Array<[string, string]> = [
    ['API', info.apiUrl],
    ['OpenAPI docs', info.docsUrl],
    ['Temporal UI', info.temporal.uiUrl ?? `(external server at ${info.temporal.address})`],
    ['Mail inbox', info.mail.inboxUrl ?? '(mail goes out through SMTP_URL)'],
    ['Engine DB', info.engineDbUrl],
    ['Optional stores', info.optionalStores.map((o) => `${o.name}: ${o.state}`).join('; ') || 'none'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    '',
    `dsar-engine is running (ready in ${seconds(info.startupMs)})`,
    '',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
  ];
  if (info.demoAccounts) {
    const emailWidth = Math.max(...info.demoAccounts.map((a) => a.email.length));
    const nameWidth = Math.max(...info.demoAccounts.map((a) => a.name.length));
    lines.push(
      '',
      'Demo accounts in the demo product database:',
      ...info.demoAccounts.map(
        (a) => `  ${a.email.padEnd(emailWidth)}  ${a.name.padEnd(nameWidth)}  ${String(a.usageRows).padStart(5)} usage rows`,
      ),
    );
    if (info.optionalStores.some((o) => o.name === 'processor' && !o.state.startsWith('off')))
      lines.push(
        '  each is also a customer at the Stripe stand-in: an export holds data/stripe/ (customer, invoices,',
        '  payment methods), a correction and a deletion reach the stand-in too',
      );
  }
  const host = info.apiUrl.replace(/^http:\/\//, '');
  const email = info.demoAccounts?.[0]?.email ?? 'someone@example.com';
  lines.push(
    '',
    'Try it:',
    `  curl -X POST ${host}/v1/requests -H 'content-type: application/json' -d '{"type":"export","email":"${email}"}'`,
    info.mail.inboxUrl
      ? `  then open ${info.mail.inboxUrl}, follow the link in the mail (or: npx dsar verify <id> <code>),`
      : '  then follow the link in the mail (or: npx dsar verify <id> <code>),',
    '  and watch it: npx dsar status <id>',
    '',
    'Press Ctrl-C to stop.',
    '',
  );
  return lines.join('\n');
}
