import type pg from 'pg';

export interface PartitionWindow {
  /** Months before the current one to make sure of (default 1). */
  monthsBack?: number;
  /** Months after the current one to keep ready (default 3). */
  monthsAhead?: number;
}

/**
 * Makes sure the monthly payment partitions around now exist (see
 * ensure_payment_partitions in migration 0002); returns how many were made.
 */
export async function ensurePaymentPartitions(
  db: pg.Pool | pg.ClientBase,
  w: PartitionWindow = {},
): Promise<number> {
  const back = w.monthsBack ?? 1;
  const months = back + 1 + (w.monthsAhead ?? 3);
  const { rows } = await db.query<{ made: number }>(
    `select ensure_payment_partitions((date_trunc('month', now()) - make_interval(months => $1))::date, $2) as made`,
    [back, months],
  );
  return rows[0]?.made ?? 0;
}

/** Keeps the partitions ahead of the clock: now, then every `everyMs` (default 6 h). */
export function keepPaymentPartitions(
  pool: pg.Pool,
  onError: (err: unknown) => void,
  everyMs = 6 * 3600_000,
): () => void {
  const run = (): void => {
    ensurePaymentPartitions(pool).catch(onError);
  };
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
