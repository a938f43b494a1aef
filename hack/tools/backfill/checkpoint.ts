// The checkpoint of `payflow backfill --apply`: after every committed chunk, the last payment
// done and the counts so far, in a file (written atomically). A run that stops (Ctrl-C,
// --max-chunks, a crash) continues after that payment next time; a run that finishes removes
// the file. The repairs are idempotent, so a chunk committed just before a crash and done again
// finds nothing left to do: the checkpoint saves work, it is not what makes a re-run safe.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../lib/errors.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

export interface Counts {
  payments: number;
  createdEvents: number;
  auditRows: number;
  merchantPayments: number;
  merchantAttributes: number;
  conflicts: number;
  chunks: number;
}

export const zeroCounts = (): Counts => ({
  payments: 0,
  createdEvents: 0,
  auditRows: 0,
  merchantPayments: 0,
  merchantAttributes: 0,
  conflicts: 0,
  chunks: 0,
});

export interface Checkpoint {
  readonly version: 1;
  /** What the run is (database, scope, kinds, attributes file): a checkpoint resumes only its own run. */
  readonly key: string;
  readonly after: { at: string; id: string } | null;
  readonly counts: Counts;
  readonly startedAt: string;
  readonly updatedAt: string;
}

/** The run's identity: the same database, scope, kinds and attributes file give the same key. */
export function runKey(parts: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export function defaultCheckpointPath(key: string): string {
  return join(ROOT, '.payflow', 'backfill', `${key.slice(0, 16)}.json`);
}

export function readCheckpoint(path: string, key: string): Checkpoint | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let c: Partial<Checkpoint>;
  try {
    c = JSON.parse(text) as Partial<Checkpoint>;
  } catch {
    throw new UsageError(`checkpoint ${path} is not valid JSON: remove it, or pass --restart`);
  }
  if (c.version !== 1 || c.key !== key)
    throw new UsageError(
      `checkpoint ${path} belongs to another backfill (another database, scope or file): pass --restart to start over`,
    );
  return c as Checkpoint;
}

export function writeCheckpoint(path: string, c: Checkpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${String(process.pid)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export function removeCheckpoint(path: string): void {
  rmSync(path, { force: true });
}
