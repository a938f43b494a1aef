// Podman as it works on these machines: Debian's podman and buildah as root, with runc (crun
// fails on this kernel's hybrid cgroup hierarchy), the cgroupfs cgroup manager (no systemd
// session) and explicit ulimits no higher than the caller's own (the defaults ask for more than
// the sandbox grants, and runc then refuses to start the container).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ensureDebianPackage } from '../testenv/debian.ts';

/** Global flags for every podman call. */
export const PODMAN_FLAGS = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'] as const;

function softLimit(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(name));
  const soft = line?.slice(name.length).trim().split(/\s+/)[0];
  if (!soft || soft === 'unlimited') return undefined;
  const n = Number(soft);
  return Number.isInteger(n) ? n : undefined;
}

/**
 * `--ulimit` flags no higher than the current soft limits (open files, processes), and at most
 * 16384: runc here cannot set a process limit near the sandbox's own (setrlimit EPERM).
 */
export function ulimitFlags(): string[] {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const nofile = Math.min(softLimit(limits, 'Max open files') ?? 16_384, 16_384);
  const nproc = Math.min(softLimit(limits, 'Max processes') ?? 16_384, 16_384);
  return [
    '--ulimit',
    `nofile=${String(nofile)}:${String(nofile)}`,
    '--ulimit',
    `nproc=${String(nproc)}:${String(nproc)}`,
  ];
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Runs a command; rejects with its stderr's tail when it fails. Output is kept apart. */
export async function exec(
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { env: opts.env ?? process.env, cwd: opts.cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          const tail = `${stderr}\n${stdout}`.trim().slice(-4000);
          reject(
            new Error(`${command} ${args.join(' ')} failed (${err.message.split('\n')[0] ?? ''}):\n${tail}`),
          );
        } else resolve({ stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** `podman <args>` with the machine's flags. */
export async function podman(args: readonly string[], opts: { input?: string } = {}): Promise<ExecResult> {
  return exec('podman', [...PODMAN_FLAGS, ...args], opts);
}

/** Installs podman, buildah and runc from Debian when missing (as root). */
export async function ensurePodman(): Promise<void> {
  await ensureDebianPackage('runc', '/usr/sbin/runc');
  await ensureDebianPackage('buildah', '/usr/bin/buildah');
  await ensureDebianPackage('podman', '/usr/bin/podman');
}

export async function imageExists(ref: string): Promise<boolean> {
  try {
    await podman(['image', 'exists', ref]);
    return true;
  } catch {
    return false;
  }
}
