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

function rssKiB(pid: number, field: 'VmHWM' | 'VmRSS' | 'Pss'): number {
  // Pss (shared pages divided among the processes sharing them) is in smaps_rollup, the rest in status.
  const file = field === 'Pss' ? 'smaps_rollup' : 'status';
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${String(pid)}/${file}`, 'utf8'),
    );
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

/**
 * The sum of `field` over the processes and their descendants, MiB: VmRSS (resident now), VmHWM
 * (each one's peak) or Pss (resident now, each shared page divided among its sharers: the sum is
 * the tree's real footprint, where VmRSS counts PostgreSQL's shared buffers once per backend).
 */
export function treeRssMiB(pids: readonly number[], field: 'VmHWM' | 'VmRSS' | 'Pss'): number {
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
