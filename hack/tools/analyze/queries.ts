// The figures of `payflow analyze`, each one SQL statement over the payments created in the
// period [from, to) (optionally of some merchants). Sums of money are PostgreSQL numeric over
// bigint minor units, read as text and turned into bigint: exact at any size, never a float.
// A payment "reached" a state when it has an event leading there (payment_events.to_state) or is
// in it now.
import type pg from 'pg';

export interface Period {
  readonly from: Date;
  readonly to: Date;
  readonly merchants: readonly string[];
}

const SCOPE = `p.created_at >= $1 and p.created_at < $2 and ($3::text[] is null or p.merchant_id = any($3))`;

function params(p: Period): unknown[] {
  return [p.from, p.to, p.merchants.length > 0 ? [...p.merchants] : null];
}

export interface VolumeRow {
  readonly merchant_id: string;
  readonly currency: string;
  readonly payments: bigint;
  readonly amount_minor: bigint;
  readonly refunded_minor: bigint;
}

export async function volumes(db: pg.Pool, p: Period): Promise<VolumeRow[]> {
  const { rows } = await db.query<{
    merchant_id: string;
    currency: string;
    payments: bigint;
    amount: string;
    refunded: string;
  }>(
    `select p.merchant_id, p.currency, count(*) as payments,
            sum(p.amount_minor)::text as amount, sum(p.refunded_minor)::text as refunded
       from payments p where ${SCOPE}
      group by p.merchant_id, p.currency order by p.merchant_id, p.currency`,
    params(p),
  );
  return rows.map((r) => ({
    merchant_id: r.merchant_id,
    currency: r.currency,
    payments: r.payments,
    amount_minor: BigInt(r.amount),
    refunded_minor: BigInt(r.refunded),
  }));
}

export interface Funnel {
  readonly created: bigint;
  readonly authorized: bigint;
  readonly captured: bigint;
  readonly settled: bigint;
  readonly failed: bigint;
  readonly refunded: bigint;
  readonly disputed: bigint;
}

const reached = (states: string): string =>
  `count(*) filter (where p.current_state in (${states})
     or exists (select 1 from payment_events e where e.payment_id = p.id and e.to_state in (${states})))`;

export async function funnel(db: pg.Pool, p: Period): Promise<Funnel> {
  const { rows } = await db.query<Funnel>(
    `select count(*) as created,
            ${reached("'authorized'")} as authorized,
            ${reached("'captured'")} as captured,
            ${reached("'settled'")} as settled,
            ${reached("'failed'")} as failed,
            ${reached("'refunded', 'partially_refunded'")} as refunded,
            ${reached("'disputed'")} as disputed
       from payments p where ${SCOPE}`,
    params(p),
  );
  const f = rows[0];
  if (!f) throw new Error('the funnel query returned no row');
  return f;
}

export interface SettleTimes {
  readonly settled: bigint;
  /** Seconds from creation to the first settlement; null without settled payments. */
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

export async function timeToSettle(db: pg.Pool, p: Period): Promise<SettleTimes> {
  const { rows } = await db.query<SettleTimes>(
    `with s as (
       select extract(epoch from (min(e.occurred_at) - p.created_at))::float8 as seconds
         from payments p join payment_events e on e.payment_id = p.id and e.to_state = 'settled'
        where ${SCOPE}
        group by p.id, p.created_at)
     select count(*) as settled,
            percentile_disc(0.5) within group (order by seconds) as p50,
            percentile_disc(0.9) within group (order by seconds) as p90,
            percentile_disc(0.99) within group (order by seconds) as p99,
            max(seconds) as max
       from s`,
    params(p),
  );
  const r = rows[0];
  if (!r) throw new Error('the time-to-settle query returned no row');
  return r;
}

export interface RuleRow {
  readonly rule_id: string;
  readonly name: string;
  readonly mode: string;
  readonly action: string;
  /** Payments of the period the rule hit. */
  readonly hit_payments: bigint;
  readonly alerts: bigint;
  readonly confirmed_fraud: bigint;
  readonly false_positive: bigint;
}

export async function rules(db: pg.Pool, p: Period): Promise<RuleRow[]> {
  const { rows } = await db.query<RuleRow>(
    `with h as (
       select h.rule_id, count(distinct h.payment_id) as hit_payments
         from rule_hits h join payments p on p.id = h.payment_id
        where ${SCOPE} group by h.rule_id),
     a as (
       select a.rule_id, count(*) as alerts,
              count(*) filter (where a.status = 'resolved' and a.resolution = 'confirmed_fraud') as confirmed_fraud,
              count(*) filter (where a.status = 'resolved' and a.resolution = 'false_positive') as false_positive
         from alerts a join payments p on p.id = a.payment_id
        where a.rule_id is not null and ${SCOPE} group by a.rule_id)
     select r.id as rule_id, r.name, r.mode, r.action,
            coalesce(h.hit_payments, 0) as hit_payments, coalesce(a.alerts, 0) as alerts,
            coalesce(a.confirmed_fraud, 0) as confirmed_fraud, coalesce(a.false_positive, 0) as false_positive
       from rules r left join h on h.rule_id = r.id left join a on a.rule_id = r.id
      where r.deleted_at is null or h.rule_id is not null or a.rule_id is not null
      order by coalesce(h.hit_payments, 0) desc, r.name`,
    params(p),
  );
  return rows;
}

export interface Analysis {
  readonly period: Period;
  readonly volumes: VolumeRow[];
  readonly funnel: Funnel;
  readonly timeToSettle: SettleTimes;
  readonly rules: RuleRow[];
}

export async function analyze(db: pg.Pool, p: Period): Promise<Analysis> {
  const [v, f, t, r] = await Promise.all([volumes(db, p), funnel(db, p), timeToSettle(db, p), rules(db, p)]);
  return { period: p, volumes: v, funnel: f, timeToSettle: t, rules: r };
}
