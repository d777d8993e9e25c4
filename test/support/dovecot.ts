// A real Dovecot IMAP server (Debian's dovecot-imapd) on a free port, plain IMAP without TLS,
// one passwd-file user, maildir storage, everything under a temp dir of its own.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stopChild, waitForPort } from '../../cli/stack/temporal';
import { freePort } from './ports';
import { systemUser } from './system-user';

export interface DovecotServer {
  /** imap://user:pass@127.0.0.1:port */
  url: string;
  user: string;
  password: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

const DOVECOT = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].find((p) => existsSync(p)) ?? 'dovecot';
const HINT = 'install it: apt-get install dovecot-imapd';

export async function startDovecot(): Promise<DovecotServer> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dsar-dovecot-'));
  const port = await freePort();
  const user = 'privacy';
  const password = `pw-${path.basename(tmp).slice(-6)}`;
  const me = os.userInfo();
  const asRoot = me.uid === 0;

  // Dovecot refuses mail access as root: as root, mail (and its own helpers) run as the
  // package's unprivileged users; as another user, everything runs as that user.
  let mailUid = me.uid;
  let mailGid = me.gid;
  let internalUser = me.username;
  let loginUser = me.username;
  let internalGroup: string | null = null; // as root: the package's default (dovecot)
  if (asRoot) {
    const dovecot = await systemUser('dovecot');
    const dovenull = await systemUser('dovenull');
    if (!dovecot || !dovenull) throw new Error(`the dovecot/dovenull system users are missing (${HINT})`);
    [mailUid, mailGid, internalUser, loginUser] = [dovecot.uid, dovecot.gid, 'dovecot', 'dovenull'];
  } else {
    const groups = await readFile('/etc/group', 'utf8').catch(() => '');
    internalGroup =
      groups
        .split('\n')
        .map((l) => l.split(':'))
        .find((f) => f[2] === String(me.gid))?.[0] ?? null;
    if (!internalGroup) throw new Error(`dovecot needs a named group for gid ${me.gid} in /etc/group`);
  }

  const mailRoot = path.join(tmp, 'mail');
  const runDir = path.join(tmp, 'run');
  await mkdir(mailRoot, { recursive: true });
  await mkdir(runDir, { recursive: true });
  await chmod(tmp, 0o755); // mail processes (another uid when root) must reach mailRoot
  if (asRoot) await chown(mailRoot, mailUid, mailGid);

  const passwdFile = path.join(tmp, 'users');
  await writeFile(passwdFile, `${user}:{PLAIN}${password}:${mailUid}:${mailGid}::${path.join(mailRoot, user)}::\n`, { mode: 0o644 });

  const conf = path.join(tmp, 'dovecot.conf');
  await writeFile(
    conf,
    [
      `base_dir = ${runDir}`,
      `state_dir = ${path.join(tmp, 'state')}`,
      `log_path = ${path.join(tmp, 'dovecot.log')}`,
      `info_log_path = ${path.join(tmp, 'dovecot.log')}`,
      'protocols = imap',
      'listen = 127.0.0.1',
      'ssl = no',
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      `default_internal_user = ${internalUser}`,
      `default_login_user = ${loginUser}`,
      ...(internalGroup ? [`default_internal_group = ${internalGroup}`] : []),
      `first_valid_uid = ${mailUid}`,
      `last_valid_uid = ${mailUid}`,
      `first_valid_gid = ${mailGid}`,
      `mail_location = maildir:~/Maildir`,
      'mail_home = ' + path.join(mailRoot, '%u'),
      'namespace inbox {',
      '  inbox = yes',
      '  separator = /',
      '}',
      'passdb {',
      '  driver = passwd-file',
      `  args = scheme=PLAIN username_format=%u ${passwdFile}`,
      '}',
      'userdb {',
      '  driver = passwd-file',
      `  args = username_format=%u ${passwdFile}`,
      '}',
      // chroot needs root: a non-root Dovecot runs its login and anvil processes unchrooted
      ...(asRoot ? [] : ['service anvil {', '  chroot =', '}']),
      'service imap-login {',
      ...(asRoot ? [] : ['  chroot =']),
      '  inet_listener imap {',
      '    address = 127.0.0.1',
      `    port = ${port}`,
      '  }',
      '  inet_listener imaps {',
      '    port = 0',
      '  }',
      '}',
      '',
    ].join('\n'),
  );

  const child = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let spawnError: Error | null = null;
  child.once('error', (err) => {
    spawnError = err;
  });
  // a test process that dies without stop() leaves no Dovecot behind
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const cleanup = async () => {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    await rm(tmp, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 15_000, child);
  } catch (err) {
    const log = await readFile(path.join(tmp, 'dovecot.log'), 'utf8').catch(() => '');
    await cleanup();
    const why = spawnError ? (spawnError as Error).message : (err as Error).message;
    throw new Error(`dovecot did not start (${HINT}): ${why}\n${stderr}${log.slice(-2000)}`, { cause: err });
  }
  return {
    url: `imap://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    user,
    password,
    host: '127.0.0.1',
    port,
    stop: cleanup,
  };
}
