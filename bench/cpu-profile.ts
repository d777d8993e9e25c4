// Where a process spent its CPU: reads a V8 `.cpuprofile` (node --cpu-prof) and prints the
// functions with the most self time, and the same grouped by package or source folder.
//
//   npx tsx bench/cpu-profile.ts <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';
import { arg } from './lib';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package> or our top folder, for a call frame's url; V8 internals as "(native)". */
export function placeOf(url: string): string {
  if (!url) return '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node core';
  const ours = /\/(activities|records|schemas|lib|storage|worker|workflows|dist)\//.exec(url);
  return ours ? ours[1] : url.split('/').slice(-2).join('/');
}

function main(): void {
  const file = process.argv[2];
  if (!file || file.startsWith('--')) {
    console.error('usage: npx tsx bench/cpu-profile.ts <file.cpuprofile> [--top 25]');
    process.exit(2);
  }
  const top = arg('top', 25);
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    const name = `${f.functionName || '(anonymous)'}  ${f.url ? `${placeOf(f.url)}:${f.lineNumber + 1}` : ''}`;
    fns.set(name, (fns.get(name) ?? 0) + us);
    places.set(placeOf(f.url), (places.get(placeOf(f.url)) ?? 0) + us);
  }
  const show = (title: string, m: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  };
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s of samples`);
  show('self time by function', fns);
  show('self time by package or folder', places);
}

main();
