// The demo's discovery file: while `npm start` runs, `<demo folder>/stack.json` says where its
// services are (the settings the API and the worker were given, and the API's URL), so that the
// operator tools (`payflow <tool>`, hack/tools) find the demo by themselves. Written once the API
// and the worker are ready, readable by this user only (the database URL carries a password),
// removed when the demo stops. A file left by a demo that crashed names a pid that is gone; the
// tools ignore it.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export const STACK_FILE_NAME = 'stack.json';

/** The demo folder: PAYFLOW_DEMO_DATA, default .payflow/demo in the checkout (ignored by git). */
export function demoDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PAYFLOW_DEMO_DATA ?? join(ROOT, '.payflow', 'demo');
}

export interface StackFile {
  readonly version: 1;
  /** The demo's process: a file whose pid is not running is stale. */
  readonly pid: number;
  readonly startedAt: string;
  readonly databaseUrl: string;
  readonly redisUrl?: string | undefined;
  readonly region: string;
  readonly sqsEndpoint: string;
  readonly queues: {
    readonly events: string;
    readonly eventsDlq: string;
    readonly updates: string;
    readonly updatesDlq: string;
  };
  readonly apiUrl: string;
  /** The demo traffic's API key (operator), once made: the tools that call the API use it. */
  readonly apiToken?: string | undefined;
}

export function stackFilePath(dataDir: string): string {
  return join(dataDir, STACK_FILE_NAME);
}

/** Writes the file atomically (a reader never sees half of it), mode 0600. */
export function writeStackFile(dataDir: string, stack: StackFile): string {
  const file = stackFilePath(dataDir);
  const tmp = `${file}.${String(process.pid)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

export function removeStackFile(dataDir: string): void {
  rmSync(stackFilePath(dataDir), { force: true });
}
