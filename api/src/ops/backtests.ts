// Backtests of a rule draft: a batch job of type backtest (run by the worker, worker/src/batch.ts)
// over stored payments in [from, to), read back with its progress and, as it goes, what it found:
// hits per day, examples with the values the rule saw, and precision / recall against alerts
// resolved as confirmed fraud or false positive and, where no alert was resolved, chargebacks.
import type pg from 'pg';
import { NotFound, ValidationError } from '../domain/errors.ts';
import type { RuleDefinition } from '../domain/rules-schema.ts';
import { createBatchJob } from './batch-jobs.ts';
import type { Actor } from './common.ts';

export interface BacktestInput {
  readonly rule_definition: RuleDefinition;
  readonly from: string;
  readonly to: string;
  /** The stored rule the draft edits, if any (kept for the record; the draft is what runs). */
  readonly rule_id?: string | undefined;
}

export interface BacktestLabels {
  confirmed_fraud_hit: number;
  false_positive_hit: number;
  confirmed_fraud_missed: number;
  /** Of the confirmed fraud (hit or missed), the payments known as fraud by a chargeback alone. */
  chargebacks: number;
  precision: number | null;
  recall: number | null;
}

export interface Backtest {
  id: string;
  status: string;
  from: string;
  to: string;
  rule_id: string | null;
  rule_definition: unknown;
  processed: number;
  total: number | null;
  progress: number | null;
  error: string | null;
  hits: number;
  hits_by_day: { day: string; hits: number }[];
  examples: unknown[];
  labels: BacktestLabels;
  created_by: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

/**
 * The job's name, for the batch job list: the rule and which of its versions runs (the draft, or
 * the stored version when the condition is that version's), or none for a draft of a new rule.
 */
async function backtestName(tx: pg.ClientBase, input: BacktestInput): Promise<string | undefined> {
  if (input.rule_id === undefined) return undefined;
  const { rows } = await tx.query<{ name: string; version: number; same: boolean }>(
    'select name, version, definition = $2::jsonb as same from rules where id = $1 and deleted_at is null',
    [input.rule_id, JSON.stringify(input.rule_definition.condition)],
  );
  const rule = rows[0];
  if (!rule) throw ValidationError.of('rule_id', `no rule ${input.rule_id}`);
  return `${rule.name} ${rule.same ? `version ${String(rule.version)}` : 'draft'} backtest`;
}

export async function createBacktest(
  tx: pg.ClientBase,
  input: BacktestInput,
  actor: Actor,
): Promise<Backtest> {
  const job = await createBatchJob(
    tx,
    {
      type: 'backtest',
      name: await backtestName(tx, input),
      parallelism: 1,
      parameters: {
        from: input.from,
        to: input.to,
        definition: input.rule_definition,
        ...(input.rule_id === undefined ? {} : { rule_id: input.rule_id }),
      },
    },
    actor,
  );
  return getBacktest(tx, job.id);
}

interface Row {
  id: string;
  status: string;
  parameters: { from?: string; to?: string; rule_id?: string; definition?: unknown };
  processed: bigint;
  total: bigint | null;
  error: string | null;
  checkpoint: {
    hits?: number;
    backtest?: {
      days?: Record<string, number>;
      examples?: unknown[];
      tp?: number;
      fp?: number;
      fn?: number;
      cb?: number;
    };
  } | null;
  created_by: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

type State = NonNullable<NonNullable<Row['checkpoint']>['backtest']>;

function labelsOf(bt: State): BacktestLabels {
  const tp = bt.tp ?? 0;
  const fp = bt.fp ?? 0;
  const fn = bt.fn ?? 0;
  return {
    confirmed_fraud_hit: tp,
    false_positive_hit: fp,
    confirmed_fraud_missed: fn,
    chargebacks: bt.cb ?? 0,
    precision: tp + fp > 0 ? tp / (tp + fp) : null,
    recall: tp + fn > 0 ? tp / (tp + fn) : null,
  };
}

function byDay(days: Record<string, number> | undefined): { day: string; hits: number }[] {
  return Object.entries(days ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, hits]) => ({ day, hits }));
}

function progressOf(status: string, processed: number, total: number | null): number | null {
  if (status === 'succeeded') return 1;
  return total !== null && total > 0 ? Math.min(1, processed / total) : null;
}

export async function getBacktest(db: pg.ClientBase | pg.Pool, id: string): Promise<Backtest> {
  const { rows } = await db.query<Row>(
    `select id, status, parameters, processed, total, error, checkpoint, created_by, created_at, started_at,
            completed_at
       from batch_jobs where id = $1 and type = 'backtest'`,
    [id],
  );
  const row = rows[0];
  if (!row) throw new NotFound('Backtest', id);
  return toBacktest(row);
}

function windowOf(p: Row['parameters']): Pick<Backtest, 'from' | 'to' | 'rule_id' | 'rule_definition'> {
  return {
    from: p.from ?? '',
    to: p.to ?? '',
    rule_id: p.rule_id ?? null,
    rule_definition: p.definition ?? null,
  };
}

function toBacktest(row: Row): Backtest {
  const bt = row.checkpoint?.backtest ?? {};
  const processed = Number(row.processed);
  const total = row.total === null ? null : Number(row.total);
  const p = row.parameters;
  return {
    id: row.id,
    status: row.status,
    ...windowOf(p),
    processed,
    total,
    progress: progressOf(row.status, processed, total),
    error: row.error,
    hits: row.checkpoint?.hits ?? 0,
    hits_by_day: byDay(bt.days),
    examples: bt.examples ?? [],
    labels: labelsOf(bt),
    created_by: row.created_by,
    created_at: row.created_at,
    started_at: row.started_at,
    completed_at: row.completed_at,
  };
}
