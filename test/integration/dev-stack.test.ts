// `npm start` as a user runs it: the banner shows what works (admin key, webhook and token
// secrets, the demo accounts as the database has them), and one Ctrl-C to the terminal's process
// group stops everything cleanly, run after run.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { Pool } from 'pg';

const ROOT = path.resolve(__dirname, '..', '..');
const STOP_RUNS = Number(process.env.DEV_STACK_STOP_RUNS || 5);
const ALARMING = /forced exit|connection lost|did not stop cleanly|unexpected error|Error:|stopped unexpectedly|closed by the server/i;

let dataDir: string;
let env: NodeJS.ProcessEnv;
let apiPort: number;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

type Launcher = 'npm start' | 'tsx';

/**
 * The stack in a process group of its own, as a terminal runs it: through `npm start`, or through
 * `tsx cli/dsar.ts dev`. Both launchers relay the terminal's SIGINT to their child, which so gets it twice.
 */
function start(launcher: Launcher = 'npm start'): Run {
  const [command, args] =
    launcher === 'npm start' ? ['npm', ['start']] : [path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['cli/dsar.ts', 'dev']];
  const child = spawn(command, args as string[], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => text, exited };
}

async function untilReady(run: Run, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!run.output().includes('Press Ctrl-C to stop.')) {
    if (run.child.exitCode !== null) throw new Error(`npm start exited early:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`no banner within ${timeoutMs} ms:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return run.output();
}

/** Ctrl-C as a terminal sends it: SIGINT to every process of the foreground group. */
async function ctrlC(run: Run) {
  process.kill(-run.child.pid!, 'SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([run.exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), 60_000)))]);
  clearTimeout(timer);
  if (!exit) {
    process.kill(-run.child.pid!, 'SIGKILL');
    throw new Error(`still running a minute after Ctrl-C:\n${run.output()}`);
  }
  return exit;
}

/** `dsar dev` returned 0 (it prints "stopped (…)" only then); npm itself ends by the signal it got, as npm does. */
function assertCleanExit(launcher: Launcher, exit: { code: number | null; signal: NodeJS.Signals | null }, out: string, what: string) {
  assert.match(out, /\nstopped \(\d+\.\d s\)/, `${what}: the orderly stop finished\n${out}`);
  if (launcher === 'tsx') assert.equal(exit.code, 0, `${what}: exit code\n${out}`);
  else assert.ok(exit.code === 0 || exit.signal === 'SIGINT', `${what}: npm ended with ${exit.code ?? exit.signal}\n${out}`);
}

const bannerValue = (banner: string, heading: RegExp) => {
  const lines = banner.split('\n');
  const at = lines.findIndex((l) => heading.test(l));
  assert.ok(at >= 0, `banner has ${heading}`);
  return lines[at + 1].trim();
};

before(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dsar-dev-stack-'));
  apiPort = await freePort();
  env = {
    ...process.env,
    DSAR_DATA_DIR: dataDir,
    PORT: String(apiPort),
    DSAR_PG_PORT: String(await freePort()),
    DSAR_TEMPORAL_PORT: String(await freePort()),
    DSAR_TEMPORAL_UI_PORT: String(await freePort()),
    DSAR_SMTP_PORT: String(await freePort()),
    DSAR_MAIL_WEB_PORT: String(await freePort()),
  };
  for (const name of ['LOG_LEVEL', 'DATABASE_URL', 'APP_DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'INTAKE_RATE_LIMIT_PER_DAY'])
    delete env[name];
});
after(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('the banner shows a working admin key, webhook and token secrets, and the demo accounts from the database', async () => {
  const run = start();
  try {
    // the first start may build dist/ (the compiled worker) on a busy machine
    const banner = await untilReady(run, 240_000);
    const api = `http://127.0.0.1:${apiPort}`;

    const demoDbUrl = /Demo product DB\s+(postgres:\S+)/.exec(banner)?.[1];
    assert.ok(demoDbUrl, 'the demo database URL is printed');
    const demo = new Pool({ connectionString: demoDbUrl });
    try {
      const { rows } = await demo.query<{ email: string; name: string; n: string }>(
        `SELECT a.email, a.name, (SELECT count(*) FROM usage_logs u WHERE u.account_id = a.id) AS n
           FROM accounts a WHERE deleted_at IS NULL ORDER BY id LIMIT 3`,
      );
      assert.equal(rows.length, 3);
      for (const r of rows) assert.match(banner, new RegExp(`${r.email}\\s+${r.name}\\s+${r.n} usage rows`));
    } finally {
      await demo.end();
    }

    const adminKey = bannerValue(banner, /^Admin key /);
    assert.match(adminKey, /^dsar_\S+$/);
    const listed = await fetch(`${api}/v1/admin/requests`, { headers: { authorization: `Bearer ${adminKey}` } });
    assert.equal(listed.status, 200, await listed.text());
    assert.equal((await fetch(`${api}/v1/admin/requests`)).status, 401);

    const inboxSecret = bannerValue(banner, /^Inbox webhook secret /);
    const mail = (id: string) =>
      Buffer.from(
        `From: carol@example.com\r\nTo: privacy@example.com\r\nSubject: Delete my data\r\nMessage-ID: <${id}@example.com>\r\n\r\nPlease delete my account.\r\n`,
      );
    const inbox = (secret: string) =>
      fetch(`${api}/v1/inbox/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'message/rfc822' },
        body: mail(`dev-stack-${Date.now()}`),
      });
    assert.equal((await inbox(inboxSecret)).status, 202, 'the printed secret opens the webhook');
    assert.equal((await inbox(`${inboxSecret}x`)).status, 401);

    const tokenSecret = bannerValue(banner, /^Self-service token secret /);
    const token = await new SignJWT({ email: 'bob@example.com' })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('dsar-engine')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(tokenSecret));
    const vouched = await fetch(`${api}/v1/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-subject-token': token },
      body: JSON.stringify({ type: 'export', email: 'bob@example.com' }),
    });
    assert.equal(vouched.status, 202);
    // pre-verified by the token, so the compiled worker carries it through to the end
    const { id } = (await vouched.json()) as { id: string };
    const deadline = Date.now() + 60_000;
    let status = '';
    while (status !== 'completed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      const view = await fetch(`${api}/v1/admin/requests/${id}`, { headers: { authorization: `Bearer ${adminKey}` } });
      status = ((await view.json()) as { status: string }).status;
    }
    assert.equal(status, 'completed', 'the export ran on the compiled worker');

    assert.match(banner, /Dev limits \(API on loopback only\): INTAKE_RATE_LIMIT_PER_DAY=1000/);
    assert.match(banner, /Worker\s+compiled/);
    assert.match(banner, /Request logs: off the console/);
    assert.doesNotMatch(run.output(), /"req":|incoming request|request completed/, 'no request logs on the console');
  } finally {
    assertCleanExit('npm start', await ctrlC(run), run.output(), 'first run');
  }
});

test(`one Ctrl-C stops the stack cleanly, ${STOP_RUNS} runs in a row (npm start and tsx); the admin key is kept; a renamed account shows`, async () => {
  let firstKey: string | null = null;
  for (let i = 0; i < STOP_RUNS; i++) {
    const launcher: Launcher = i % 2 === 0 ? 'npm start' : 'tsx';
    const run = start(launcher);
    const banner = await untilReady(run, 120_000);
    const key = bannerValue(banner, /^Admin key /);
    firstKey ??= key;
    assert.equal(key, firstKey, 'the admin key kept in the data folder is reused');
    assert.match(banner, /Admin key \(dashboard and admin API; from \S*admin-key\):/, 'not "(new)"');
    if (i === 0) {
      const demo = new Pool({ connectionString: /Demo product DB\s+(postgres:\S+)/.exec(banner)![1] });
      await demo.query(`UPDATE accounts SET name = 'Alice Renamed' WHERE email = 'alice@example.com'`);
      await demo.end();
    } else {
      assert.match(banner, /alice@example\.com\s+Alice Renamed/);
    }
    const exit = await ctrlC(run);
    const out = run.output();
    assertCleanExit(launcher, exit, out, `run ${i + 1} (${launcher})`);
    assert.doesNotMatch(out.slice(out.indexOf('SIGINT received')), ALARMING, `run ${i + 1}: an alarming line\n${out}`);
    assert.match(out, /PostgreSQL stopped/);
    assert.equal((out.match(/SIGINT received/g) ?? []).length, 1, 'one Ctrl-C is one stop');
  }
});
