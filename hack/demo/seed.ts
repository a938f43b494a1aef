// Demo data: the schema (the product's migrations), a few thousand payments over the last weeks
// with the events that brought each one to its state, and users with a known password.
import pg from 'pg';
import { run } from '../testenv/proc.ts';
import { disputeReasonCode } from './client.ts';
import { entry, loadDomain, loadPasswords, type IdFactory, type IdPrefix } from './product.ts';

export const MERCHANTS = [
  'acme-books',
  'globex-travel',
  'initech-software',
  'umbrella-health',
  'stark-hardware',
  'wayne-foods',
] as const;
export const PAYER_COUNT = 60;
export const COUNTRIES = ['US', 'US', 'US', 'GB', 'DE', 'FR', 'NL', 'CA', 'JP', 'BR'] as const;

/** Currencies with their share of payments and their minor-unit exponent. */
export const CURRENCIES = [
  { code: 'USD', share: 0.5, exponent: 2 },
  { code: 'EUR', share: 0.25, exponent: 2 },
  { code: 'GBP', share: 0.15, exponent: 2 },
  { code: 'JPY', share: 0.1, exponent: 0 },
] as const;
export type Currency = (typeof CURRENCIES)[number];

export const DEMO_USERS = [
  { email: 'admin@payflow.local', name: 'Ada Admin', role: 'admin' },
  { email: 'operator@payflow.local', name: 'Oscar Operator', role: 'operator' },
  { email: 'viewer@payflow.local', name: 'Vera Viewer', role: 'viewer' },
] as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function pick<T>(xs: readonly T[]): T {
  const x = xs[Math.floor(Math.random() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}

export function pickCurrency(): Currency {
  let r = Math.random();
  for (const c of CURRENCIES) {
    r -= c.share;
    if (r < 0) return c;
  }
  return CURRENCIES[0];
}

export function payerId(n: number): string {
  return `payer_${String(n).padStart(4, '0')}`;
}

/** An amount in minor units: mostly small, now and then large (log-uniform, 5.00 to 5,000.00). */
export function amountMinor(c: Currency): number {
  const major = Math.exp(Math.log(5) + Math.random() * Math.log(1000));
  const minor = c.exponent === 0 ? Math.round(major * 150) : Math.round(major * 100);
  return Math.max(1, minor);
}

export interface Step {
  type: string;
  to: string;
  /** Smallest and largest delay after the previous step, ms. */
  after: [number, number];
}

const AUTHORIZED: Step = { type: 'payment.authorized', to: 'authorized', after: [1000, 20_000] };
const CAPTURED: Step = { type: 'payment.captured', to: 'captured', after: [MINUTE, HOUR] };
const SETTLED: Step = { type: 'payment.settled', to: 'settled', after: [DAY, 2 * DAY] };
const CAPTURED_PATH = [AUTHORIZED, CAPTURED, SETTLED];

/** The event path to each final state, weighted by how often payments end there. */
export const SEED_PATHS: { weight: number; steps: Step[] }[] = [
  { weight: 0.62, steps: CAPTURED_PATH },
  { weight: 0.09, steps: [{ type: 'payment.failed', to: 'failed', after: [1000, 20_000] }] },
  { weight: 0.04, steps: [AUTHORIZED, { type: 'payment.voided', to: 'voided', after: [HOUR, 6 * HOUR] }] },
  {
    weight: 0.08,
    steps: [...CAPTURED_PATH, { type: 'payment.refunded', to: 'refunded', after: [DAY, 7 * DAY] }],
  },
  {
    weight: 0.07,
    steps: [
      ...CAPTURED_PATH,
      { type: 'payment.partially_refunded', to: 'partially_refunded', after: [DAY, 7 * DAY] },
    ],
  },
  {
    weight: 0.05,
    steps: [...CAPTURED_PATH, { type: 'payment.disputed', to: 'disputed', after: [2 * DAY, 10 * DAY] }],
  },
  {
    weight: 0.05,
    steps: [
      ...CAPTURED_PATH,
      { type: 'payment.disputed', to: 'disputed', after: [2 * DAY, 5 * DAY] },
      { type: 'payment.dispute_lost', to: 'charged_back', after: [3 * DAY, 6 * DAY] },
    ],
  },
];

function pickPath(): Step[] {
  let r = Math.random();
  for (const p of SEED_PATHS) {
    r -= p.weight;
    if (r < 0) return p.steps;
  }
  return CAPTURED_PATH;
}

interface SeedEvent {
  paymentId: string;
  paymentCreatedAt: Date;
  type: string;
  from: string | null;
  to: string;
  amountMinor: number;
  at: number;
  /** The event's data as JSON (a dispute's reason code), if any. */
  data?: string;
}

interface SeedPayment {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  merchant: string;
  payer: string;
  amountMinor: number;
  currency: string;
  refundedMinor: number;
  state: string;
  version: number;
  card: string;
  country: string;
  metadata: string;
}

function refundOf(step: Step, amount: number): number {
  if (step.to === 'refunded') return amount;
  if (step.to === 'partially_refunded') return Math.max(1, Math.floor(amount / 2));
  return 0;
}

/** Walks a payment along its path up to now; the events are returned in `events`. */
function walk(p: SeedPayment, now: number, events: SeedEvent[]): void {
  const base = { paymentId: p.id, paymentCreatedAt: p.createdAt };
  events.push({
    ...base,
    type: 'payment.created',
    from: null,
    to: 'pending',
    amountMinor: p.amountMinor,
    at: +p.createdAt,
  });
  let at = +p.createdAt;
  for (const step of pickPath()) {
    at += step.after[0] + Math.random() * (step.after[1] - step.after[0]);
    if (at > now) break;
    const refund = refundOf(step, p.amountMinor);
    const amount = refund > 0 ? refund : p.amountMinor;
    const data =
      step.type === 'payment.disputed' ? JSON.stringify({ reason_code: disputeReasonCode() }) : undefined;
    events.push({ ...base, type: step.type, from: p.state, to: step.to, amountMinor: amount, at, data });
    p.state = step.to;
    p.refundedMinor = Math.max(p.refundedMinor, refund);
    p.version += 1;
    p.updatedAt = new Date(at);
  }
}

function makePayment(ids: Ids, createdAt: number): SeedPayment {
  const currency = pickCurrency();
  const payer = Math.floor(Math.random() * PAYER_COUNT);
  const id = ids.at(createdAt, 'pay');
  return {
    id,
    createdAt: new Date(createdAt),
    updatedAt: new Date(createdAt),
    merchant: pick(MERCHANTS),
    payer: payerId(payer),
    amountMinor: amountMinor(currency),
    currency: currency.code,
    refundedMinor: 0,
    state: 'pending',
    version: 1,
    card: `card_${String(payer).padStart(4, '0')}_${String(Math.floor(Math.random() * 2))}`,
    country: pick(COUNTRIES),
    metadata: JSON.stringify({
      order_id: `ord-${String(Math.floor(Math.random() * 1e6))}`,
      channel: pick(['web', 'app', 'pos']),
    }),
  };
}

/** Payments created evenly over the last `days`, oldest first, each with its history. */
function generate(count: number, days: number, ids: Ids): [SeedPayment[], SeedEvent[]] {
  const now = Date.now();
  const start = now - days * DAY;
  const step = (now - MINUTE - start) / count;
  const payments: SeedPayment[] = [];
  const events: SeedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const p = makePayment(ids, Math.floor(start + i * step + Math.random() * step * 0.9));
    walk(p, now, events);
    payments.push(p);
  }
  return [payments, events];
}

const PAYMENTS_SQL = `
  insert into payments (id, created_at, updated_at, merchant_id, payer_id, amount_minor, currency,
    refunded_minor, current_state, version, card_fingerprint, country, metadata)
  select * from unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[],
    $6::bigint[], $7::text[], $8::bigint[], $9::text[], $10::int[], $11::text[], $12::text[], $13::jsonb[])`;

const EVENTS_SQL = `
  insert into payment_events (id, event_id, payment_id, payment_created_at, type, from_state, to_state,
    amount_minor, source, occurred_at, data)
  select id, id, payment_id, payment_created_at, type, from_state, to_state, amount_minor, 'system', occurred_at,
         coalesce(data, '{}'::jsonb)
    from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::bigint[],
      $8::timestamptz[], $9::jsonb[])
      as e(id, payment_id, payment_created_at, type, from_state, to_state, amount_minor, occurred_at, data)`;

/** Ids whose timestamp is a given time (the product's ULIDs), one generator per prefix. */
interface Ids {
  at(time: number, prefix: IdPrefix): string;
}

async function idsAt(): Promise<Ids> {
  const { createIdFactory } = await loadDomain();
  const clock = { t: 0 };
  const factories = new Map<IdPrefix, IdFactory>();
  return {
    at(time, prefix) {
      let f = factories.get(prefix);
      if (!f) {
        f = createIdFactory({ now: () => clock.t });
        factories.set(prefix, f);
      }
      clock.t = time;
      return f(prefix);
    },
  };
}

function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

async function insertPayments(db: pg.ClientBase, payments: SeedPayment[]): Promise<void> {
  for (const c of chunks(payments, 2000)) {
    await db.query(PAYMENTS_SQL, [
      c.map((p) => p.id),
      c.map((p) => p.createdAt),
      c.map((p) => p.updatedAt),
      c.map((p) => p.merchant),
      c.map((p) => p.payer),
      c.map((p) => p.amountMinor),
      c.map((p) => p.currency),
      c.map((p) => p.refundedMinor),
      c.map((p) => p.state),
      c.map((p) => p.version),
      c.map((p) => p.card),
      c.map((p) => p.country),
      c.map((p) => p.metadata),
    ]);
  }
}

async function insertEvents(db: pg.ClientBase, events: SeedEvent[], ids: Ids): Promise<void> {
  events.sort((a, b) => a.at - b.at);
  const eventIds = events.map((e) => ids.at(Math.floor(e.at), 'evt'));
  for (const [n, c] of chunks(events, 4000).entries()) {
    await db.query(EVENTS_SQL, [
      eventIds.slice(n * 4000, n * 4000 + c.length),
      c.map((e) => e.paymentId),
      c.map((e) => e.paymentCreatedAt),
      c.map((e) => e.type),
      c.map((e) => e.from),
      c.map((e) => e.to),
      c.map((e) => e.amountMinor),
      c.map((e) => new Date(e.at)),
      c.map((e) => e.data ?? null),
    ]);
  }
}

/**
 * The operator and the viewer, as accounts an admin invited would be. The admin is not seeded: the
 * API makes it at start from ADMIN_EMAIL and ADMIN_PASSWORD_FILE, as an install does.
 */
export const SEEDED_USERS = DEMO_USERS.filter((u) => u.role !== 'admin');

async function insertUsers(db: pg.ClientBase, password: string, ids: Ids): Promise<void> {
  const { hashPassword } = await loadPasswords();
  for (const u of SEEDED_USERS) {
    const id = ids.at(Date.now(), 'usr');
    await db.query(
      `insert into users (id, email, name, role, password_hash, email_verified_at) values ($1, $2, $3, $4, $5, now())`,
      [id, u.email, u.name, u.role, await hashPassword(password)],
    );
    await db.query('insert into user_preferences (user_id) values ($1)', [id]);
  }
}

/** Applies the product's migrations to the database (`npm run migrate`). */
export async function migrateDatabase(databaseUrl: string): Promise<string> {
  const out = await run(process.execPath, [entry('api', 'src', 'store', 'migrate-cli.ts')], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  return out.trim();
}

export interface SeedOptions {
  databaseUrl: string;
  payments: number;
  days: number;
  password: string;
}

export interface SeedSummary {
  payments: number;
  events: number;
  users: number;
  byState: Record<string, number>;
}

/** Loads the demo data into a migrated, empty database. */
export async function seed(o: SeedOptions): Promise<SeedSummary> {
  const ids = await idsAt();
  const [payments, events] = generate(o.payments, o.days, ids);
  const db = new pg.Client({ connectionString: o.databaseUrl, application_name: 'payflow-demo-seed' });
  await db.connect();
  try {
    await db.query('begin');
    // One partition per month of the seeded history, before any row lands in the default one.
    await db.query(
      `select ensure_payment_partitions((date_trunc('month', now()) - make_interval(days => $1))::date, 6)`,
      [o.days + 31],
    );
    await insertPayments(db, payments);
    await insertEvents(db, events, ids);
    await insertUsers(db, o.password, ids);
    await db.query('commit');
    await db.query('analyze payments');
  } finally {
    await db.end();
  }
  const byState: Record<string, number> = {};
  for (const p of payments) byState[p.state] = (byState[p.state] ?? 0) + 1;
  return { payments: payments.length, events: events.length, users: SEEDED_USERS.length, byState };
}

/** Rules created through the API at start (POST /api/v1/rules): alerts, a flag and a shadow hold. */
export const DEMO_RULES = [
  {
    name: 'large-payment',
    description: 'Alerts on payments of 1,000.00 or more in USD, EUR or GBP.',
    rule_definition: {
      condition: {
        all: [
          { field: 'amount_minor', op: 'gte', value: 100_000 },
          { field: 'currency', op: 'in', value: ['USD', 'EUR', 'GBP'] },
        ],
      },
      action: 'alert',
      severity: 'high',
    },
  },
  {
    name: 'payer-burst',
    description: 'Alerts when one payer makes five or more payments within ten minutes.',
    rule_definition: {
      condition: { aggregate: 'count', window: '10m', group_by: 'payer_id', op: 'gte', value: 5 },
      action: 'alert',
      severity: 'medium',
    },
  },
  {
    // Card testing: the demo traffic runs this pattern now and then (fraud.ts).
    name: 'card-testing',
    description:
      'Alerts when one card makes six or more payments within ten minutes and the latest is under 5.00: someone testing a stolen card.',
    rule_definition: {
      condition: {
        all: [
          { field: 'amount_minor', op: 'lt', value: 500 },
          { aggregate: 'count', window: '10m', group_by: 'card_fingerprint', op: 'gte', value: 6 },
        ],
      },
      action: 'alert',
      severity: 'critical',
    },
  },
  {
    name: 'new-market-review',
    description: 'Flags payments from Brazil for review.',
    rule_definition: {
      condition: { field: 'country', op: 'eq', value: 'BR' },
      action: 'flag',
      severity: 'low',
    },
  },
  {
    name: 'jpy-large-hold',
    description: 'Would hold yen payments of 300,000 or more (shadow mode while it is tuned).',
    rule_definition: {
      condition: {
        all: [
          { field: 'currency', op: 'eq', value: 'JPY' },
          { field: 'amount_minor', op: 'gte', value: 300_000 },
        ],
      },
      action: 'hold',
      severity: 'medium',
      mode: 'shadow',
    },
  },
];
