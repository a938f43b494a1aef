import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port on the loopback interface, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  detached?: boolean;
  uid?: number;
  gid?: number;
}

/** Starts a long-running process whose output goes to a log file. */
export function startProcess(opts: StartOptions): Service {
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const spawnOpts: SpawnOptions = {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  };
  if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
  if (opts.gid !== undefined) spawnOpts.gid = opts.gid;
  const child = spawn(opts.command, opts.args, spawnOpts);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.on('error', (err) => {
    log.write(`spawn error: ${err.message}\n`);
  });
  return { name: opts.name, child, logFile: opts.logFile, stop: async () => stopChild(child) };
}

/** `signal` (SIGTERM), then SIGKILL after a grace period. */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 10_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls `check` until it resolves true; fails with the service's log tail. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; service?: Service },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const exited = opts.service && opts.service.child.exitCode !== null;
    if (!exited && (await check().catch(() => false))) return;
    if (exited || Date.now() > deadline) {
      const why = exited ? `exited with code ${String(opts.service?.child.exitCode)}` : 'timed out';
      const where = opts.service ? `; see ${opts.service.logFile}` : '';
      throw new Error(`${what}: ${why}${where}`);
    }
    await sleep(100);
  }
}

/** True when a TCP connection to host:port succeeds. */
export async function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host }, () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => {
      resolve(false);
    });
  });
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function run(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(out);
      else
        reject(new Error(`${command} ${args.join(' ')} exited with ${String(code)}:\n${out.slice(-4000)}`));
    });
  });
}
