// Helpers for the operator tools' tests: run `payflow <tool>` as a child process (as an operator
// does), with a stack given by the variables only (never a running demo's file), and payments
// and event history written straight into a database.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { idTimestamp, newId } from '@payflow/api/domain';

const ROOT = join(import.meta.dirname, '..', '..');
/** An empty demo folder: the tools must not find a demo someone runs on this machine. */
const NO_DEMO = mkdtempSync(join(tmpdir(), 'payflow-no-demo-'));

export interface ToolRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `payflow <args>` with only `env` (plus PATH and HOME) as its environment. */
export async function payflow(args: readonly string[], env: Record<string, string> = {}): Promise<ToolRun> {
  const child = spawn(process.execPath, [join(ROOT, 'hack', 'tools', 'payflow.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PAYFLOW_DEMO_DATA: NO_DEMO, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

/** `--json` output, parsed; the test fails with the tool's stderr when it is not JSON. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it expects
export function json<T>(run: ToolRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${String(run.code)}):\n${run.stdout}\n--- stderr:\n${run.stderr}`);
  }
}

export interface SeedPayment {
  readonly id: string;
  readonly merchant: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly state?: string;
  readonly createdAt?: Date;
}

/** A pending payment (or in `state`) per spec, inserted as the API would store it (no events). */
export async function insertPayment(db: pg.Pool, p: SeedPayment): Promise<void> {
  await db.query(
    `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state)
     values ($1, $2, $3, 'payer_1', $4, $5, $6)`,
    [
      p.id,
      p.createdAt ?? new Date(idTimestamp(p.id)),
      p.merchant,
      p.amountMinor,
      p.currency,
      p.state ?? 'pending',
    ],
  );
}

export interface HistoryEvent {
  readonly event_id: string;
  readonly payment_id: string;
  readonly type: string;
  readonly from: string | null;
  readonly to: string;
  readonly occurredAt: Date;
  readonly source?: string;
  readonly amountMinor?: bigint | null;
}

/** Inserts recorded events (payment_events rows) as a stack that applied them holds them. */
export async function insertHistory(db: pg.Pool, events: readonly HistoryEvent[]): Promise<void> {
  for (const e of events)
    await db.query(
      `insert into payment_events (id, event_id, payment_id, payment_created_at, type, from_state, to_state,
                                   amount_minor, source, occurred_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        newId('evt'),
        e.event_id,
        e.payment_id,
        new Date(idTimestamp(e.payment_id)),
        e.type,
        e.from,
        e.to,
        e.amountMinor ?? null,
        e.source ?? 'sqs',
        e.occurredAt,
      ],
    );
}
