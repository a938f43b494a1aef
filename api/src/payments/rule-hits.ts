// The rule hits of one payment, as the worker stored them (rule_hits, one row per rule that
// matched an event applied to the payment), with the rule's name and the alert the hit raised.
// rule_version is the version the worker evaluated (null for hits stored before it was kept).
import type { Queryable } from './store.ts';

export interface RuleHitJson {
  rule_id: string;
  /** The rule's current name. */
  rule_name: string | null;
  rule_version: number | null;
  mode: string;
  action: string;
  /** true when the rule acted (enforce mode); false for shadow hits, which only record. */
  acted: boolean;
  /** What the rule saw: one text per matched condition, with the values compared. */
  reasons: unknown[];
  matched_at: string;
  /** The event whose application the rule matched. */
  event_id: string | null;
  /** The alert of this rule for this payment (one per rule and payment), for acted hits. */
  alert_id: string | null;
}

interface RuleHitRow {
  rule_id: string;
  rule_name: string | null;
  rule_version: number | null;
  mode: string;
  action: string;
  acted: boolean;
  reasons: unknown;
  matched_at: Date;
  event_id: string | null;
  alert_id: string | null;
}

// rule_hits (payment_id) and alerts (payment_id) indexes; rules by primary key.
const RULE_HITS_SQL = `
  select h.rule_id, r.name as rule_name, h.rule_version, h.mode, h.action, h.acted, h.reasons, h.matched_at,
         h.event_id, al.id as alert_id
    from rule_hits h
    left join rules r on r.id = h.rule_id
    left join lateral (
      select a.id from alerts a
       where h.acted and a.payment_id = h.payment_id and a.rule_id = h.rule_id
       order by a.created_at limit 1
    ) al on true
   where h.payment_id = $1
   order by h.matched_at, h.id`;

export async function paymentRuleHits(db: Queryable, paymentId: string): Promise<RuleHitJson[]> {
  const { rows } = await db.query<RuleHitRow>(RULE_HITS_SQL, [paymentId]);
  return rows.map((r) => ({
    rule_id: r.rule_id,
    rule_name: r.rule_name,
    rule_version: r.rule_version,
    mode: r.mode,
    action: r.action,
    acted: r.acted,
    reasons: Array.isArray(r.reasons) ? (r.reasons as unknown[]) : [],
    matched_at: r.matched_at.toISOString(),
    event_id: r.event_id,
    alert_id: r.alert_id,
  }));
}
