import { readdirSync, readFileSync } from 'node:fs';

function children(pid: number): number[] {
  try {
    const tasks = readdirSync(`/proc/${String(pid)}/task`);
    return tasks.flatMap((t) =>
      readFileSync(`/proc/${String(pid)}/task/${t}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

function peakRssKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * The sum of the peak resident set (VmHWM) of each process and all its live
 * descendants, in MiB. Shared pages count once per process, so this is an
 * upper bound of the tree's real peak.
 */
export function peakTreeRssMiB(pids: readonly number[]): number {
  const seen = new Set<number>();
  const stack = [...pids];
  let kib = 0;
  while (stack.length > 0) {
    const pid = stack.pop();
    if (pid === undefined || seen.has(pid)) continue;
    seen.add(pid);
    kib += peakRssKiB(pid);
    stack.push(...children(pid));
  }
  return Math.round(kib / 1024);
}
