// What `dsar dev` prints once the stack is up: where everything is, the keys and secrets it made
// (with a copy-paste example of each), the demo accounts as the database has them, a first request.
import type { DevStackInfo } from './dev';

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatBanner(info: DevStackInfo): string {
  const rows: Array<[string, string]> = [
    ['API', info.apiUrl],
    ['OpenAPI docs', info.docsUrl],
    ['Temporal UI', info.temporal.uiUrl ?? `(external server at ${info.temporal.address})`],
    ['Mail inbox', info.mail.inboxUrl ?? '(mail goes out through SMTP_URL)'],
    ['Dashboard', `${info.apiUrl}/dashboard (admin key below)`],
    ['Engine DB', info.engineDbUrl],
    ['Demo product DB', info.appDbUrl ?? '(none: your own data map)'],
    [
      'Worker',
      info.worker === 'compiled'
        ? 'compiled (dist/, prebuilt workflow bundle)'
        : 'in this process, from the sources (DSAR_COMPILED_WORKER=off)',
    ],
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
  lines.push(...accessLines(info, host, email));
  lines.push(
    '',
    'Try it:',
    `  curl -X POST ${host}/v1/requests -H 'content-type: application/json' -d '{"type":"export","email":"${email}"}'`,
    info.mail.inboxUrl
      ? `  then open ${info.mail.inboxUrl}, follow the link in the mail (or: npx dsar verify <id> <code>),`
      : '  then follow the link in the mail (or: npx dsar verify <id> <code>),',
    '  and watch it: npx dsar status <id>',
    '',
    ...limitLines(info),
    'Press Ctrl-C to stop.',
    '',
  );
  return lines.join('\n');
}

function accessLines(info: DevStackInfo, host: string, email: string): string[] {
  const mail = `From: ${email}\\r\\nTo: privacy@example.com\\r\\nSubject: Delete my data\\r\\nMessage-ID: <try-%s@example.com>\\r\\n\\r\\nPlease delete my account.\\r\\n`;
  return [
    '',
    `Admin key (dashboard and admin API; from ${info.adminKey.source}):`,
    `  ${info.adminKey.key}`,
    `  curl ${host}/v1/admin/requests -H 'authorization: Bearer ${info.adminKey.key}'`,
    '',
    `Inbox webhook secret (INBOX_WEBHOOK_SECRET, from ${info.inboxSecret.source}):`,
    `  ${info.inboxSecret.secret}`,
    "  a mail sent to privacy@, posted raw (RFC 822) as a mail provider's inbound webhook does:",
    `  printf '${mail}' "$(date +%s)" | curl -X POST ${host}/v1/inbox/messages -H 'authorization: Bearer ${info.inboxSecret.secret}' \\`,
    "    -H 'content-type: message/rfc822' --data-binary @-",
    '',
    `Self-service token secret (SELF_SERVICE_TOKEN_SECRET, from ${info.tokenSecret.source}):`,
    `  ${info.tokenSecret.secret}`,
    '  the product signs an HS256 JWT for its signed-in user (claims email, iat, exp within 15 min, aud "dsar-engine");',
    '  a request carrying it in x-subject-token is pre-verified (no mailed code):',
    `  TOKEN=$(node -e "import('jose').then(async ({ SignJWT }) => console.log(await new SignJWT({ email: '${email}' }).setProtectedHeader({ alg: 'HS256' }).setAudience('dsar-engine').setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode('${info.tokenSecret.secret}'))))")`,
    `  curl -X POST ${host}/v1/requests -H 'content-type: application/json' -H "x-subject-token: $TOKEN" -d '{"type":"export","email":"${email}"}'`,
  ];
}

function limitLines(info: DevStackInfo): string[] {
  const raised = Object.entries(info.devLimits);
  return [
    raised.length
      ? `Dev limits (API on loopback only): ${raised.map(([k, v]) => `${k}=${v}`).join(', ')}; production defaults are 20 and 30.`
      : 'Intake limits: as configured (no dev limits: the API is not on loopback, or they are set).',
    info.requestLogs ? 'Request logs: on (LOG_LEVEL).' : 'Request logs: off the console (LOG_LEVEL=info npm start shows them).',
    '',
  ];
}
