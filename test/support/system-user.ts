// A system user's ids, for servers that run as the package's unprivileged user when tests run as root.
import { readFile } from 'node:fs/promises';

/** uid/gid of a system user, from /etc/passwd; null when there is none. */
export async function systemUser(name: string): Promise<{ uid: number; gid: number } | null> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const line = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) return null;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
