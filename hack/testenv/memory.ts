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

function rssKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
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
  return treeRssMiB(pids, 'VmHWM');
}

/** The sum of `field` (VmRSS: resident now; VmHWM: peak) over the processes and their descendants, MiB. */
export function treeRssMiB(pids: readonly number[], field: 'VmHWM' | 'VmRSS'): number {
  const seen = new Set<number>();
  const stack = [...pids];
  let kib = 0;
  while (stack.length > 0) {
    const pid = stack.pop();
    if (pid === undefined || seen.has(pid)) continue;
    seen.add(pid);
    kib += rssKiB(pid, field);
    stack.push(...children(pid));
  }
  return Math.round(kib / 1024);
}
