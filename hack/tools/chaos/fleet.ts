// The worker processes a chaos run starts, owns and kills: `node worker/src/main.ts` children
// with the stack's settings and the run's private queues, each logging to a file of the run's
// folder. Only these processes are ever signalled; they are all stopped when the run ends (and
// killed if the tool itself exits first).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

const WORKER_MAIN = join(import.meta.dirname, '..', '..', '..', 'worker', 'src', 'main.ts');

const owned = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of owned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export interface FleetOptions {
  readonly env: Record<string, string>;
  readonly logDir: string;
}

export class WorkerFleet {
  private readonly live: ChildProcess[] = [];
  started = 0;
  killed = 0;
  /** Workers that exited on their own (not killed or stopped by the tool). */
  readonly crashed: { pid: number; code: number | null; signal: string | null }[] = [];

  private readonly o: FleetOptions;
  constructor(o: FleetOptions) {
    this.o = o;
  }

  /** Starts one worker; returns its pid. */
  startOne(): number {
    const n = ++this.started;
    const log = createWriteStream(join(this.o.logDir, `worker-${String(n)}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [WORKER_MAIN], {
      env: { ...process.env, ...this.o.env, INSTANCE_ID: `chaos-worker-${String(n)}-${String(process.pid)}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    owned.add(child);
    this.live.push(child);
    child.once('exit', (code, signal) => {
      owned.delete(child);
      const i = this.live.indexOf(child);
      if (i >= 0) {
        this.live.splice(i, 1);
        this.crashed.push({ pid: child.pid ?? 0, code, signal });
      }
    });
    return child.pid ?? 0;
  }

  get size(): number {
    return this.live.length;
  }

  /** SIGKILLs the worker at `index` (modulo the live ones) and starts another in its place. */
  async killOne(index: number): Promise<number | undefined> {
    const victim = this.live[index % Math.max(1, this.live.length)];
    if (!victim) return undefined;
    this.live.splice(this.live.indexOf(victim), 1);
    const gone = exited(victim);
    victim.kill('SIGKILL');
    await gone;
    this.killed++;
    this.startOne();
    return victim.pid;
  }

  /** SIGTERM to every live worker (they finish in-flight work), SIGKILL after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    const all = this.live.splice(0);
    await Promise.all(
      all.map(async (c) => {
        const gone = exited(c);
        c.kill('SIGTERM');
        const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
        await gone;
        clearTimeout(timer);
      }),
    );
  }
}

async function exited(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await new Promise((r) => c.once('exit', r));
}
