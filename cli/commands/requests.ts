// Client commands against the HTTP API: submit, verify, status, plan.
import type { PlanEntry } from '../../schemas/workflow';
import { Command, Option } from 'commander';
import { callApi } from '../clients';
import { CliError } from '../errors';
import { formatStatus, formatTable, type PublicStatusView, type RequestView } from '../format';
import type { CommandContext } from './context';

const REQUEST_TYPES = ['access', 'export', 'correction', 'deletion'] as const;

export function registerRequestCommands(program: Command, { out, err, env }: CommandContext): void {
  const defaultApi = env.DSAR_API_URL || 'http://localhost:3000';
  const apiOption = () => new Option('--api <url>', 'base URL of the dsar API (env DSAR_API_URL)').default(defaultApi);

  program
    .command('submit')
    .description('submit a data-subject request (POST /v1/requests)')
    .addOption(new Option('--type <type>', 'request type').choices(REQUEST_TYPES).makeOptionMandatory())
    .requiredOption('--email <email>', "the data subject's email address")
    .option('--idempotency-key <key>', 'makes retries safe: the same key returns the same request')
    .addOption(apiOption())
    .action(async (o: { type: string; email: string; idempotencyKey?: string; api: string }) => {
      const headers: Record<string, string> = {};
      if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
      const body = await callApi(o.api, 'POST', '/v1/requests', { type: o.type, email: o.email }, headers, err);
      out(JSON.stringify(body, null, 2));
    });

  program
    .command('verify')
    .description('confirm a request with the one-time code from the verification email')
    .argument('<requestId>', 'the request id (from `dsar submit` or the email)')
    .argument('<code>', 'the code from the email ("Or confirm with the code: …")')
    .addOption(apiOption())
    // Codes are base64url and may start with "-": taken as the code, not as an unknown option.
    .allowUnknownOption()
    .action(async (requestId: string, code: string, o: { api: string }) => {
      const body = await callApi(o.api, 'POST', `/v1/requests/${encodeURIComponent(requestId)}/verify`, { token: code }, {}, err);
      out(JSON.stringify(body, null, 2));
    });

  program
    .command('status')
    .description('status and due date of a request; with its status token, also per-store progress')
    .argument('<requestId>', 'the request id')
    .option('--token <statusToken>', 'the status token (statusToken of `dsar submit`, or t= of the mailed status link)')
    .option('--json', 'print the API answer as JSON')
    .addOption(apiOption())
    .action(async (requestId: string, o: { api: string; json?: boolean; token?: string }) => {
      const headers: Record<string, string> = o.token ? { 'x-status-token': o.token } : {};
      const view = (await callApi(o.api, 'GET', `/v1/requests/${encodeURIComponent(requestId)}`, undefined, headers, err)) as
        RequestView | PublicStatusView;
      out(o.json ? JSON.stringify(view, null, 2) : formatStatus(view));
    });

  const keyOption = () => new Option('--key <key>', 'an admin API key (env DSAR_ADMIN_KEY)').default(env.DSAR_ADMIN_KEY);
  const adminHeaders = (key?: string) => {
    if (!key) throw new CliError('an admin API key is needed: --key or DSAR_ADMIN_KEY (create one with `dsar admin-key create`)');
    return { authorization: `Bearer ${key}` };
  };

  program
    .command('plan')
    .description('dry run: what a deletion for this subject would do, per store and collection (changes nothing)')
    .requiredOption('--email <email>', "the data subject's email address")
    .option('--json', 'print the API answer as JSON')
    .addOption(keyOption())
    .addOption(apiOption())
    .action(async (o: { email: string; json?: boolean; key?: string; api: string }) => {
      const plan = (await callApi(o.api, 'POST', '/v1/plans', { email: o.email, type: 'deletion' }, adminHeaders(o.key), err)) as {
        entries: PlanEntry[];
      };
      if (o.json) return out(JSON.stringify(plan, null, 2));
      const rows = plan.entries.map((e) => [
        e.step ? String(e.step) : '—',
        e.store,
        e.collection,
        e.action,
        String(e.rows),
        [e.basis, e.retainedUntil && `until ${e.retainedUntil.slice(0, 10)}`, e.purgeAfter && `purge after ${e.purgeAfter}`, e.note]
          .filter(Boolean)
          .join('; '),
      ]);
      out(formatTable(['STEP', 'STORE', 'COLLECTION', 'ACTION', 'ROWS', 'NOTE'], rows, [4]).join('\n'));
      const statements = planStatementLines(plan.entries);
      if (statements.length) out(['', 'Statements, in the order they run ($n: a bound value):', ...statements].join('\n'));
    });
}

/** Each collection's statements under its step and name; a purge's hard delete after its grace period. */
function planStatementLines(entries: PlanEntry[]): string[] {
  return entries.flatMap((e) => {
    if (!e.statements) return [];
    const head = `${e.step ?? '—'}. ${e.store}.${e.collection} (${e.action}, ${e.rows} rows)`;
    const later = e.purgeStatements?.length
      ? [`   after ${e.purgeAfter ?? 'the grace period'}:`, ...e.purgeStatements.map((s) => `     ${s}`)]
      : [];
    return [head, ...(e.statements.length ? e.statements.map((s) => `     ${s}`) : ['     (none)']), ...later];
  });
}
