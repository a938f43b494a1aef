// What a demo that has been running for a while shows besides its payments: finished batch jobs
// (an export, a reconciliation, a backtest of the amount rule) and alerts that were worked, some
// resolved as false positives and some as confirmed fraud. Made once, on the start that seeded
// the database, through the API: the jobs by the demo admin (the worker runs them), the alerts by
// the demo operator.
import type { ApiClient } from './client.ts';

interface Page<T> {
  data: T[];
}

/** The batch jobs, created at once (the worker picks them up). */
export async function demoBatchJobs(admin: ApiClient): Promise<number> {
  const rules = await admin.get<Page<{ id: string; name: string }>>('/api/v1/rules?limit=200');
  const amountRule = rules.data.find((r) => r.name === 'large-payment');
  // The last 30 days, the window every job type takes.
  const to = new Date();
  const from = new Date(to.getTime() - 30 * 86_400_000);
  const window = { from: from.toISOString(), to: to.toISOString() };
  const jobs: Record<string, unknown>[] = [
    { type: 'export', name: 'Payments of the last 30 days', parameters: { ...window, format: 'csv' } },
    {
      type: 'reconcile',
      name: 'acme-books reconciliation',
      parameters: { ...window, merchant_id: 'acme-books' },
    },
  ];
  if (amountRule)
    jobs.push({
      type: 'backtest',
      name: 'large-payment backtest',
      parameters: { ...window, rule_id: amountRule.id },
    });
  for (const job of jobs) await admin.post('/api/v1/batch-jobs', job);
  return jobs.length;
}

/**
 * Works the first alerts the live traffic raises: waits (up to `timeoutMs`) for at least four
 * open alerts, then resolves the two oldest, one as a false positive and one as confirmed fraud,
 * each with a note, as an analyst would. Returns how many it resolved.
 */
export async function workFirstAlerts(
  analyst: ApiClient,
  stopped: () => boolean,
  timeoutMs = 10 * 60_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!stopped() && Date.now() < deadline) {
    const open = await analyst.get<Page<{ id: string }>>(
      '/api/v1/alerts?status=open&sort=created_at&limit=4',
    );
    if (open.data.length >= 4) return resolveTwo(analyst, open.data);
    await new Promise((r) => setTimeout(r, 5000));
  }
  return 0;
}

async function resolveTwo(analyst: ApiClient, alerts: { id: string }[]): Promise<number> {
  const verdicts = [
    { resolution: 'false_positive', note: 'Known customer: a planned bulk purchase, confirmed by phone.' },
    { resolution: 'confirmed_fraud', note: 'Card reported stolen by the issuer; payer blocked.' },
  ];
  let resolved = 0;
  for (const [i, v] of verdicts.entries()) {
    const alert = alerts[i];
    if (!alert) continue;
    await analyst.post(`/api/v1/alerts/${alert.id}/resolve`, v);
    resolved++;
  }
  return resolved;
}
