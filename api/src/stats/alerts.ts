// The dashboard's alert tiles: unresolved alerts by status and severity.
import type pg from 'pg';
import { ALERT_SEVERITIES } from '../ops/alerts.ts';
import { readScopedUnresolvedAlerts, readUnresolvedAlerts } from './queries.ts';
import { SingleFlight } from './single-flight.ts';

export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export type SeverityCounts = Record<AlertSeverity, number>;

export interface AlertCounts {
  readonly open: SeverityCounts;
  readonly acknowledged: SeverityCounts;
  /** Every unresolved alert: open plus acknowledged. */
  readonly total_open: number;
  readonly generated_at: string;
}

function zeros(): SeverityCounts {
  return { low: 0, medium: 0, high: 0, critical: 0 };
}

function isSeverity(value: string): value is AlertSeverity {
  return (ALERT_SEVERITIES as readonly string[]).includes(value);
}

export async function unresolvedAlertCounts(
  db: Pick<pg.Pool, 'query'>,
  now = new Date(),
  scope?: readonly string[],
): Promise<AlertCounts> {
  const open = zeros();
  const acknowledged = zeros();
  let total = 0;
  const rows =
    scope === undefined ? await readUnresolvedAlerts(db) : await readScopedUnresolvedAlerts(db, scope);
  for (const r of rows) {
    const into = r.status === 'open' ? open : r.status === 'acknowledged' ? acknowledged : undefined;
    if (!into || !isSeverity(r.severity)) continue;
    into[r.severity] += r.alerts;
    total += r.alerts;
  }
  return { open, acknowledged, total_open: total, generated_at: now.toISOString() };
}

/** unresolvedAlertCounts as JSON text, with concurrent requests sharing one read. */
export function alertCountsReader(db: Pick<pg.Pool, 'query'>): () => Promise<string> {
  const flights = new SingleFlight<string>();
  return () => flights.run('unresolved', async () => JSON.stringify(await unresolvedAlertCounts(db)));
}
