// The invariants a chaos run is judged on, computed from PostgreSQL and the run's dead-letter
// queue once the workers have stopped:
//   accounted    every event sent was applied, and every poison message is dead-lettered with
//                the worker's reason (in the DLQ, or as a rejected processed event);
//   once         no effect doubled: one payment_events row and one audit row per event, and each
//                payment's version equal to 1 + its transitions;
//   states       every payment's state and refunded amount are its events' outcome (the end of
//                its lifecycle), and its history ends in that state;
//   audit        every audit chain verifies (audit_verify(), as GET /api/v1/audit/verify runs it);
//   api          the API answered every probe while the faults ran.
import type pg from 'pg';
import type { DeadLetter } from '@payflow/api/dlq';
import type { Plan } from './plan.ts';
import type { ProbeStats } from './probe.ts';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** One line: the figures behind the verdict. */
  readonly detail: string;
  /** A few examples of what failed (ids). */
  readonly examples: readonly string[];
}

export interface Figures {
  readonly eventsSent: number;
  readonly eventsApplied: number;
  readonly eventsUnaccounted: number;
  readonly eventsRejected: number;
  readonly poisonSent: number;
  readonly poisonDeadLettered: number;
  readonly poisonWithoutReason: number;
  readonly poisonUnaccounted: number;
  readonly doubledEffects: number;
  readonly versionMismatches: number;
  readonly stateMismatches: number;
  readonly auditChains: number;
  readonly auditRowsChecked: number;
  readonly auditProblems: number;
}

const few = (xs: readonly string[]): string[] => xs.slice(0, 5);

interface PaymentRow {
  id: string;
  current_state: string;
  version: number;
  refunded_minor: string;
  transitions: string;
}

interface Outcome {
  event_id: string;
  outcome: string;
  reason: string | null;
}

interface Accounting {
  readonly applied: number;
  readonly rejected: number;
  readonly missing: string[];
  readonly poisonDead: number;
  readonly noReason: string[];
  readonly lostPoison: string[];
}

async function outcomes(db: pg.Pool, plan: Plan): Promise<Map<string, Outcome>> {
  const ids = [
    ...plan.events.map((e) => e.eventId),
    ...plan.poison.flatMap((p) => (p.eventId ? [p.eventId] : [])),
  ];
  const { rows } = await db.query<Outcome>(
    'select event_id, outcome, reason from processed_events where event_id = any($1::text[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.event_id, r]));
}

function poisonFate(dl: DeadLetter | undefined, pe: Outcome | undefined): 'dead' | 'no reason' | 'lost' {
  if (!dl && pe?.outcome !== 'rejected') return 'lost';
  const reason = dl?.reason ?? pe?.reason;
  return reason ? 'dead' : 'no reason';
}

/** Events applied; poison dead-lettered with the worker's reason (DLQ attribute, or the rejected row's). */
function account(plan: Plan, outcome: Map<string, Outcome>, deadLetters: readonly DeadLetter[]): Accounting {
  const ids = plan.events.map((e) => e.eventId);
  const dlq = new Map(deadLetters.map((d) => [d.body, d]));
  let poisonDead = 0;
  const noReason: string[] = [];
  const lostPoison: string[] = [];
  for (const p of plan.poison) {
    const fate = poisonFate(dlq.get(p.body), p.eventId ? outcome.get(p.eventId) : undefined);
    const label = `${p.kind}: ${p.eventId ?? p.body.slice(0, 40)}`;
    if (fate === 'lost') lostPoison.push(label);
    else if (fate === 'no reason') noReason.push(label);
    else poisonDead++;
  }
  return {
    applied: ids.filter((id) => outcome.get(id)?.outcome === 'applied').length,
    rejected: ids.filter((id) => outcome.get(id)?.outcome === 'rejected').length,
    missing: ids
      .filter((id) => outcome.get(id)?.outcome !== 'applied')
      .map((id) => `${id}: ${outcome.get(id)?.outcome ?? 'not processed'}`),
    poisonDead,
    noReason,
    lostPoison,
  };
}

/** Events with more than one history row or more than one audit row of their action. */
async function doubledEffects(db: pg.Pool, plan: Plan): Promise<string[]> {
  const { rows } = await db.query<{ event_id: string; history: string; audit: string }>(
    `select event_id, count(*) filter (where src = 'history')::text as history,
            count(*) filter (where src = 'audit')::text as audit
       from (
        select event_id, 'history' as src from payment_events where event_id = any($1::text[])
        union all
        select event_id, 'audit' from audit_log where event_id = any($1::text[]) and resource_type = 'payment'
           and action like 'payment.%' and action not in ('payment.event_rejected', 'payment.flagged', 'payment.held')
     ) x group by event_id
     having count(*) filter (where src = 'history') > 1 or count(*) filter (where src = 'audit') > 1`,
    [plan.events.map((e) => e.eventId)],
  );
  return rows.map((d) => `${d.event_id}: ${d.history} history rows, ${d.audit} audit rows`);
}

/**
 * Where each payment's history leads: its transitions chained from `pending` (the one that leaves
 * each state), or null when they do not form one chain. Not the latest recorded_at: that is the
 * time its transaction began, shared by a batch's events and not in commit order.
 */
async function historyEnds(db: pg.Pool, paymentIds: readonly string[]): Promise<Map<string, string | null>> {
  const { rows } = await db.query<{ payment_id: string; from_state: string | null; to_state: string | null }>(
    `select payment_id, from_state, to_state from payment_events
      where payment_id = any($1::text[]) and type <> 'payment.created'`,
    [paymentIds],
  );
  const edges = new Map<string, Map<string, string>>();
  const broken = new Set<string>();
  for (const r of rows) {
    const out = edges.get(r.payment_id) ?? new Map<string, string>();
    edges.set(r.payment_id, out);
    if (r.from_state === null || r.to_state === null || out.has(r.from_state)) broken.add(r.payment_id);
    else out.set(r.from_state, r.to_state);
  }
  return new Map(paymentIds.map((id) => [id, broken.has(id) ? null : chainEnd(edges.get(id))]));
}

/** From `pending`, each state's one way out, as many steps as there are transitions. */
function chainEnd(out: ReadonlyMap<string, string> | undefined): string | null {
  let state: string | undefined = 'pending';
  for (let n = 0; n < (out?.size ?? 0) && state !== undefined; n++) state = out?.get(state);
  return state ?? null;
}

/** Each payment against its lifecycle: version, state, refunded amount, the end of its history. */
async function paymentStates(db: pg.Pool, plan: Plan): Promise<{ versionBad: string[]; stateBad: string[] }> {
  const { rows } = await db.query<PaymentRow>(
    `select p.id, p.current_state, p.version, p.refunded_minor::text,
            (select count(*) from payment_events e where e.payment_id = p.id and e.type <> 'payment.created')::text as transitions
       from payments p where p.id = any($1::text[])`,
    [[...plan.expected.keys()]],
  );
  const ends = await historyEnds(db, [...plan.expected.keys()]);
  const byId = new Map(rows.map((p) => [p.id, p]));
  const versionBad: string[] = [];
  const stateBad: string[] = [];
  for (const [id, want] of plan.expected) {
    const p = byId.get(id);
    if (!p) {
      stateBad.push(`${id}: missing`);
      continue;
    }
    const transitions = Number(p.transitions);
    if (p.version !== 1 + transitions || transitions !== want.transitions)
      versionBad.push(
        `${id}: version ${String(p.version)}, ${p.transitions} transitions (expected ${String(want.transitions)})`,
      );
    const stateOk = p.current_state === want.state && ends.get(id) === p.current_state;
    if (!stateOk || BigInt(p.refunded_minor) !== want.refundedMinor)
      stateBad.push(
        `${id}: ${p.current_state} refunded ${p.refunded_minor}, history ends ${ends.get(id) ?? 'in no one chain'} (expected ${want.state} refunded ${want.refundedMinor.toString()})`,
      );
  }
  return { versionBad, stateBad };
}

interface ChainRow {
  chain: number;
  rows_checked: string;
  problem: string | null;
  first_bad_id: string | null;
}

async function auditChains(db: pg.Pool): Promise<ChainRow[]> {
  const { rows } = await db.query<ChainRow>(
    'select chain, rows_checked::text, problem, first_bad_id from audit_verify() order by chain',
  );
  return rows;
}

function eventsCheck(plan: Plan, a: Accounting): Check {
  const total = plan.events.length;
  const poison = plan.poison.length;
  const extra = [
    a.rejected > 0 ? ` (${String(a.rejected)} rejected that should have applied)` : '',
    a.noReason.length > 0 ? `, ${String(a.noReason.length)} without one` : '',
    a.lostPoison.length > 0 ? `, ${String(a.lostPoison.length)} nowhere` : '',
  ];
  return {
    name: 'every event sent applied or dead-lettered with a reason',
    ok: a.missing.length === 0 && a.lostPoison.length === 0 && a.noReason.length === 0,
    detail:
      `${String(a.applied)}/${String(total)} events applied${extra[0] ?? ''}; ` +
      `${String(a.poisonDead)}/${String(poison)} poison messages dead-lettered with a reason${extra[1] ?? ''}${extra[2] ?? ''}`,
    examples: few([...a.missing, ...a.noReason, ...a.lostPoison]),
  };
}

/** Payments the API acknowledged (201) during the faults that are not in the database. */
async function lostWrites(db: pg.Pool, probes: ProbeStats): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('select id from payments where id = any($1::text[])', [
    probes.acknowledged,
  ]);
  const there = new Set(rows.map((r) => r.id));
  return probes.acknowledged.filter((id) => !there.has(id));
}

function writesCheck(probes: ProbeStats, lost: readonly string[]): Check {
  const n = probes.acknowledged.length;
  return {
    name: 'every write the API acknowledged is there',
    ok: lost.length === 0,
    detail: `${String(n - lost.length)}/${String(n)} payments the API created (201) while the faults ran are in the database`,
    examples: few(lost.map((id) => `${id}: acknowledged, then gone`)),
  };
}

function apiCheck(probes: ProbeStats): Check {
  return {
    name: 'API answered throughout',
    ok: probes.sent > 0 && probes.unanswered === 0,
    detail:
      `${String(probes.answered)}/${String(probes.sent)} probes answered (${String(probes.serverErrors)} with 5xx), ` +
      `p50 ${probes.p50Ms.toFixed(1)} ms, p99 ${probes.p99Ms.toFixed(1)} ms, slowest ${probes.maxMs.toFixed(1)} ms`,
    examples: few(probes.failures),
  };
}

export async function checkInvariants(
  db: pg.Pool,
  plan: Plan,
  deadLetters: readonly DeadLetter[],
  probes: ProbeStats,
): Promise<{ checks: Check[]; figures: Figures }> {
  const a = account(plan, await outcomes(db, plan), deadLetters);
  const doubled = await doubledEffects(db, plan);
  const { versionBad, stateBad } = await paymentStates(db, plan);
  const chains = await auditChains(db);
  const chainProblems = chains.filter((c) => c.problem !== null);
  const rowsChecked = chains.reduce((n, c) => n + Number(c.rows_checked), 0);
  const payments = plan.expected.size;
  const figures: Figures = {
    eventsSent: plan.events.length,
    eventsApplied: a.applied,
    eventsUnaccounted: a.missing.length,
    eventsRejected: a.rejected,
    poisonSent: plan.poison.length,
    poisonDeadLettered: a.poisonDead,
    poisonWithoutReason: a.noReason.length,
    poisonUnaccounted: a.lostPoison.length,
    doubledEffects: doubled.length,
    versionMismatches: versionBad.length,
    stateMismatches: stateBad.length,
    auditChains: chains.length,
    auditRowsChecked: rowsChecked,
    auditProblems: chainProblems.length,
  };
  const checks: Check[] = [
    eventsCheck(plan, a),
    {
      name: 'no effect doubled',
      ok: doubled.length === 0 && versionBad.length === 0,
      detail: `${String(doubled.length)} events with more than one history or audit row; ${String(versionBad.length)} payments whose version is not 1 + their transitions`,
      examples: few([...doubled, ...versionBad]),
    },
    {
      name: "every payment's state is its events' outcome",
      ok: stateBad.length === 0,
      detail: `${String(payments - stateBad.length)}/${String(payments)} payments in the state (and refunded amount) their events lead to`,
      examples: few(stateBad),
    },
    {
      name: 'audit chain verifies',
      ok: chainProblems.length === 0 && chains.length > 0,
      detail: `${String(chains.length)} chains, ${String(rowsChecked)} rows checked, ${String(chainProblems.length)} problems`,
      examples: few(
        chainProblems.map(
          (c) => `chain ${String(c.chain)}: ${c.problem ?? ''} at ${c.first_bad_id ?? '(end)'}`,
        ),
      ),
    },
    apiCheck(probes),
    writesCheck(probes, await lostWrites(db, probes)),
  ];
  return { checks, figures };
}
