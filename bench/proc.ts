// Process measurement for the export benchmark (Linux /proc): RSS sampling, VmHWM reset, CPU
// seconds per process group of this bench's own tree, and the worker as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PROJECT_ROOT, stopChild } from '../cli/stack/temporal';

export const MB = 1024 * 1024;
export const fmtMB = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** VmRSS / VmHWM of a process in bytes (null once it has gone). */
export function procMemory(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Resets a process's VmHWM to its current RSS (Linux ≥ 4.0); false where not permitted. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const CLK_TCK = 100; // USER_HZ on Linux

/** Busy and total jiffies over all CPUs (for "how many cores were busy"). */
export function machineCpu(): { busy: number; total: number } {
  const [, ...nums] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const v = nums.map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
export const coresBusy = (a: ReturnType<typeof machineCpu>, b: ReturnType<typeof machineCpu>, ms: number) =>
  (b.busy - a.busy) / CLK_TCK / (ms / 1000);

/**
 * CPU seconds per process group, counting only this bench's own process tree (other
 * PostgreSQL or Temporal servers on the machine are left out): the worker and its children,
 * PostgreSQL (live processes plus the postmaster's reaped children, so closed connections still
 * count), MariaDB (`--store mysql`), the Temporal dev server, and this process.
 */
export function cpuByGroup(workerPid: number): Record<string, number> {
  const procs = new Map<number, { ppid: number; comm: string; own: number; reaped: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(name), {
        comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
        ppid: Number(f[1]),
        own: (Number(f[11]) + Number(f[12])) / CLK_TCK, // utime + stime
        reaped: (Number(f[13]) + Number(f[14])) / CLK_TCK, // cutime + cstime
      });
    } catch {
      /* gone meanwhile */
    }
  }
  const under = (pid: number, root: number) => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = procs.get(p)?.ppid ?? 0, hops++) if (p === root) return true;
    return false;
  };
  const out: Record<string, number> = { worker: 0, postgres: 0, mariadb: 0, temporal: 0, bench: 0, other: 0 };
  for (const [pid, p] of procs) {
    if (workerPid && under(pid, workerPid)) out.worker += p.own;
    else if (pid === process.pid) out.bench += p.own;
    else if (!under(pid, process.pid)) continue;
    else if (p.comm === 'postgres') out.postgres += p.own + p.reaped;
    else if (p.comm === 'mariadbd' || p.comm === 'mysqld') out.mariadb += p.own;
    else if (p.comm === 'temporal') out.temporal += p.own;
    else out.other += p.own;
  }
  return out;
}
export const cpuDelta = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]));
export const fmtCpu = (d: Record<string, number>) =>
  Object.entries(d)
    .filter(([k, v]) => v >= 0.05 && k !== 'other')
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(', ');

// ---------------------------------------------------------------------------------------------
// the worker as a child process

export interface WorkerChild {
  child: ChildProcess;
  pid: number;
  output: () => string;
  stop(): Promise<void>;
}

export function spawnWorker(entry: string, nodeArgs: string[], env: Record<string, string>): WorkerChild {
  // a compiled .js entry runs on plain node; TypeScript runs through tsx (as DSAR_COMPILED_WORKER=off does)
  const child = spawn(process.execPath, [...nodeArgs, ...(entry.endsWith('.js') ? [] : ['--import', 'tsx']), entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!child.pid) throw new Error('could not spawn the worker');
  let buf = '';
  const keep = (d: Buffer) => {
    buf += d.toString();
    if (buf.length > 200_000) buf = buf.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, pid: child.pid, output: () => buf, stop: () => stopChild(child, 15_000) };
}

/** Samples a process's RSS every `everyMs`; stop() returns the samples. */
export function sampleRss(pid: number, everyMs = 100) {
  const samples: { t: number; rss: number }[] = [];
  const take = () => {
    const m = procMemory(pid);
    if (m) samples.push({ t: Date.now(), rss: m.rss });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}
