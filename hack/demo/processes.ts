// The product's processes as children of the demo: each one Node process running its entry
// point with its configuration in the environment, output in a log file, in a process group
// of its own so that the demo stops them in order (Ctrl-C reaches the demo, not them).
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort, startProcess, waitFor, type Service } from '../testenv/proc.ts';

const started = new Set<Service>();
process.once('exit', () => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
});

/** `preferred` on 127.0.0.1 when nothing listens there, else a free port (0: any free port). */
export async function pickPort(preferred: number): Promise<number> {
  if (preferred === 0) return freePort();
  const free = await new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => {
      resolve(false);
    });
    srv.listen(preferred, '127.0.0.1', () => {
      srv.close(() => {
        resolve(true);
      });
    });
  });
  return free ? preferred : freePort();
}

export interface NodeProcess {
  name: string;
  script: string;
  env: Record<string, string>;
  logFile: string;
}

/** Starts `node <script>` (the Node running the demo) with the environment given on top of ours. */
export function startNode(p: NodeProcess): Service {
  const service = startProcess({
    name: p.name,
    command: process.execPath,
    args: [p.script],
    env: { ...process.env, ...p.env },
    logFile: p.logFile,
    detached: true,
  });
  started.add(service);
  return service;
}

export async function stopNode(service: Service): Promise<void> {
  await service.stop();
  started.delete(service);
}

async function answers200(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.body?.cancel();
  return res.status === 200;
}

/** Waits until `url` answers 200; fails early when the process exits. */
export async function waitReady(service: Service, url: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(`${service.name} at ${url}`, async () => answers200(url), { timeoutMs, service });
}

/** The last lines of a log file, for a message about a process that failed. */
export function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
