// The thread the tour follows, found when it starts: the demo's card-testing rule, its newest
// alert and the payment that alert is about. Without them (a quiet system, another install) the
// tour falls back to the top of the alert queue, and then to the list pages.
import { api, type Page } from '../../lib/api';
import type { Thread } from './steps';

export const THREAD_RULE = 'card-testing';

interface RuleRow {
  id: string;
  name: string;
}
interface AlertRow {
  id: string;
  rule_id: string | null;
  rule_name: string | null;
  payment_id: string | null;
}

async function firstAlert(query: Record<string, string | number>): Promise<AlertRow | undefined> {
  const page = await api.get<Page<AlertRow>>('/api/v1/alerts', { limit: 1, ...query });
  return page.data[0];
}

async function payerOf(paymentId: string): Promise<string | undefined> {
  const payment = await api.get<{ payer_id: string | null }>(`/api/v1/transactions/${paymentId}`);
  return payment.payer_id ?? undefined;
}

function compact(t: Record<keyof Thread, string | null | undefined>): Thread {
  return Object.fromEntries(Object.entries(t).filter(([, v]) => typeof v === 'string'));
}

export async function findThread(): Promise<Thread> {
  const rules = await api.get<Page<RuleRow>>('/api/v1/rules', { limit: 100 });
  const rule = rules.data.find((r) => r.name === THREAD_RULE);
  const alert = (rule && (await firstAlert({ rule_id: rule.id }))) ?? (await firstAlert({ status: 'open' }));
  const paymentId = alert?.payment_id ?? undefined;
  return compact({
    ruleId: rule?.id ?? alert?.rule_id,
    ruleName: rule?.name ?? alert?.rule_name,
    alertId: alert?.id,
    paymentId,
    payer: paymentId ? await payerOf(paymentId) : undefined,
  });
}
