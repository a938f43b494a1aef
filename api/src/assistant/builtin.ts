// The assistant without a model: it recognises the common questions, runs the same read tools
// as the Gemini assistant does (under the caller's principal), and answers in plain sentences;
// anything else it answers from the help center, and says plainly what it cannot do.
import { firstParagraph, loadHelp, searchHelp } from './help.ts';
import { runTool, type ToolContext } from './tools.ts';

export interface AnswerSink {
  text(chunk: string): void;
  tool(name: string, ok: boolean): void;
  draft(draft: unknown): void;
  link(label: string, href: string): void;
}

type Json = Record<string, unknown>;

const PAYMENT_ID = /\bpay_[0-9A-Za-z]{6,40}\b/;

async function tool(ctx: ToolContext, sink: AnswerSink, name: string, args: Json): Promise<Json | undefined> {
  const r = await runTool(ctx, name, args);
  sink.tool(name, r.ok);
  if (!r.ok) {
    sink.text(r.status === 404 ? `${r.error}\n` : `I could not read that: ${r.error}\n`);
    return undefined;
  }
  return r.result as Json;
}

interface AlertBrief {
  id: string;
  severity: string;
  status: string;
  title: string;
  payment_id: string | null;
  rule: { id: string; name: string | null; version: number | null } | null;
  conditions: string[];
}

const ruleLabel = (r: AlertBrief['rule'] | { rule_name: string | null; rule_id: string }): string => {
  if (!r) return 'a rule that no longer exists';
  if ('rule_id' in r) return `rule **${r.rule_name ?? r.rule_id}**`;
  return `rule **${r.name ?? r.id}**${r.version === null ? '' : ` (version ${String(r.version)})`}`;
};

interface HitBrief {
  rule_id: string;
  rule_name: string | null;
  mode: string;
  acted: boolean;
  action: string;
  reasons: string[];
}
interface AuditBrief {
  at: string;
  action: string;
  actor: string;
  reason: string | null;
}

const colon = (list: readonly string[]): string => (list.length > 0 ? `: ${list.join('; ')}` : '');

function tellAlerts(sink: AnswerSink, alerts: readonly AlertBrief[]): void {
  for (const a of alerts) {
    sink.text(`- ${ruleLabel(a.rule)} raised a ${a.severity} alert (${a.status})${colon(a.conditions)}.\n`);
    sink.link(`Alert ${a.id}`, `/alerts/${a.id}`);
    if (a.rule) sink.link(`Rule ${a.rule.name ?? a.rule.id}`, `/rules/${a.rule.id}`);
  }
}

function tellHits(sink: AnswerSink, hits: readonly HitBrief[], alerts: readonly AlertBrief[]): void {
  for (const h of hits.filter((x) => !alerts.some((a) => a.rule?.id === x.rule_id))) {
    const did = h.acted ? h.action : 'recorded only';
    sink.text(`- ${ruleLabel(h)} matched in ${h.mode} mode (${did})${colon(h.reasons)}.\n`);
  }
}

function tellTrail(sink: AnswerSink, audit: readonly AuditBrief[]): void {
  const trail = audit.slice(-5);
  if (trail.length === 0) return;
  sink.text(`\nIts audit trail (latest ${String(trail.length)} of ${String(audit.length)}):\n`);
  for (const e of trail)
    sink.text(`- ${e.at}: ${e.action} by ${e.actor}${e.reason ? ` (${e.reason})` : ''}\n`);
}

async function explainPayment(ctx: ToolContext, sink: AnswerSink, id: string): Promise<void> {
  const r = await tool(ctx, sink, 'explain_payment_flag', { payment_id: id });
  if (!r) return;
  const payment = r.payment as Json;
  const alerts = r.alerts as AlertBrief[];
  const hits = r.rule_hits as HitBrief[];
  sink.link(`Payment ${id}`, `/payments/${id}`);
  if (alerts.length === 0 && hits.length === 0) {
    const flags = [payment.flagged === true && 'flagged', payment.held === true && 'held'].filter(Boolean);
    sink.text(
      flags.length > 0
        ? `${id} is ${flags.join(' and ')}, but no rule hit or alert is recorded for it; its audit trail says who did it.\n`
        : `${id} was not flagged: no rule matched it and it has no alerts.\n`,
    );
    tellTrail(sink, r.audit_trail as AuditBrief[]);
    return;
  }
  sink.text(`${id} was flagged because:\n`);
  tellAlerts(sink, alerts);
  tellHits(sink, hits, alerts);
  tellTrail(sink, r.audit_trail as AuditBrief[]);
}

function alertQuery(message: string): { status: string; severity: string | undefined } {
  const severity = /\b(critical|high|medium|low)\b/i.exec(message)?.[1]?.toLowerCase();
  const status = /\backnowledged\b/i.test(message)
    ? 'acknowledged'
    : /\bresolved\b/i.test(message)
      ? 'resolved'
      : 'open';
  return { status, severity };
}

async function summariseAlerts(ctx: ToolContext, sink: AnswerSink, message: string): Promise<void> {
  const { status, severity } = alertQuery(message);
  const r = await tool(ctx, sink, 'list_alerts', { status, ...(severity ? { severity } : {}), limit: 5 });
  if (!r) return;
  const counts = Object.entries(r.counts_by_severity as Record<string, number | null>)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([s, n]) => `${String(n)} ${s}`);
  sink.text(
    counts.length === 0
      ? `There are no ${status} alerts.\n`
      : `${capitalised(status)} alerts: ${counts.join(', ')}.\n`,
  );
  const alerts = r.alerts as AlertBrief[];
  if (alerts.length > 0) sink.text(severity ? `The ${severity} ones, oldest first:\n` : 'Oldest first:\n');
  for (const a of alerts) {
    const on = a.payment_id ? ` on ${a.payment_id}` : '';
    sink.text(`- ${a.id}: ${a.title} (${a.severity}) — ${ruleLabel(a.rule)}${on}\n`);
  }
  sink.link('Alert queue', `/alerts?status=${status}${severity ? `&severity=${severity}` : ''}`);
}

const capitalised = (s: string): string => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

interface QueueNow {
  queues?: { name: string; visible: number; dlq_depth: number | null }[];
  unavailable?: string;
}
interface PoolTrend {
  pool: string;
  dead_letter_an_hour_ago: number | null;
  dead_letter_now: number | null;
  samples: number;
}

function tellQueues(sink: AnswerSink, now: QueueNow): void {
  if (now.unavailable) sink.text(`The queue figures are not available: ${now.unavailable}\n`);
  for (const q of now.queues ?? []) {
    const dlqText = q.dlq_depth === null ? 'is not configured' : `holds ${String(q.dlq_depth)}`;
    sink.text(
      `The events queue ${q.name} holds ${String(q.visible)} messages; its dead-letter queue ${dlqText}.\n`,
    );
  }
}

function tellTrends(sink: AnswerSink, pools: readonly PoolTrend[]): void {
  const known = pools.filter((p) => p.samples >= 2);
  if (known.length === 0) {
    sink.text(
      'No worker pool has reported dead-letter counts over the last hour, so I cannot tell a trend.\n',
    );
  }
  for (const p of known) {
    const before = p.dead_letter_an_hour_ago ?? 0;
    const after = p.dead_letter_now ?? 0;
    const trend = after > before ? 'growing' : after < before ? 'shrinking' : 'steady';
    sink.text(
      `Pool ${p.pool}: the DLQ is ${trend} (${String(before)} → ${String(after)} over the last hour).\n`,
    );
  }
}

async function dlq(ctx: ToolContext, sink: AnswerSink): Promise<void> {
  const r = await tool(ctx, sink, 'queue_stats', {});
  if (!r) return;
  tellQueues(sink, r.now as QueueNow);
  tellTrends(sink, r.pools as PoolTrend[]);
  sink.link('Dead letters', '/worker-pools#dead-letters');
}

async function health(ctx: ToolContext, sink: AnswerSink): Promise<void> {
  const r = await tool(ctx, sink, 'system_health', {});
  if (!r) return;
  const score = (r.score as { value?: number } | undefined)?.value;
  const bad = r.not_healthy as { name: string; status: string; detail: unknown }[];
  sink.text(
    `The system is ${String(r.status)}${score === undefined ? '' : ` (score ${String(score)} of 100)`}.\n`,
  );
  for (const c of bad)
    sink.text(`- ${c.name}: ${c.status}${typeof c.detail === 'string' ? ` — ${c.detail}` : ''}\n`);
  sink.link('System health', '/health');
}

function velocityCondition(message: string): Json | undefined {
  const v = /(\d+)\s*(?:or more\s*)?payments?\s*(?:with)?in\s*(\d+)\s*(minutes?|hours?|m|h)\b/i.exec(message);
  if (!v) return undefined;
  const unit = v[3]?.toLowerCase().startsWith('h') ? 'h' : 'm';
  const by = /merchant/i.test(message)
    ? 'merchant_id'
    : /card/i.test(message)
      ? 'card_fingerprint'
      : 'payer_id';
  return {
    aggregate: 'count',
    window: `${v[2] ?? '10'}${unit}`,
    group_by: by,
    op: 'gte',
    value: Number(v[1]),
  };
}

function amountConditions(message: string): Json[] {
  const a = /(?:over|above|more than|at least|>=?)\s*([0-9][0-9,]*(?:\.[0-9]{1,2})?)\s*([A-Z]{3})?/i.exec(
    message,
  );
  if (!a) return [];
  const major = Number((a[1] ?? '0').replaceAll(',', ''));
  const out: Json[] = [{ field: 'amount_minor', op: 'gte', value: Math.round(major * 100) }];
  if (a[2]) out.push({ field: 'currency', op: 'eq', value: a[2].toUpperCase() });
  return out;
}

const ACTION_WORDS = ['decline', 'hold', 'flag'] as const;

function outcomeOf(message: string): { action: string; severity: string } {
  return {
    action: ACTION_WORDS.find((w) => new RegExp(`\\b${w}\\b`, 'i').test(message)) ?? 'alert',
    severity: /\b(critical|high|medium|low)\b/i.exec(message)?.[1]?.toLowerCase() ?? 'high',
  };
}

/** A rule from a sentence: an amount threshold, a currency, a country, a velocity. */
export function draftFrom(message: string): Json | undefined {
  const velocity = velocityCondition(message);
  const conditions: Json[] = velocity ? [velocity] : amountConditions(message);
  const country = /\bfrom\s+([A-Z]{2})\b/.exec(message)?.[1];
  if (country) conditions.push({ field: 'country', op: 'eq', value: country });
  if (conditions.length === 0) return undefined;
  const { action, severity } = outcomeOf(message);
  return {
    name: velocity ? 'velocity-draft' : 'threshold-draft',
    description: `Drafted by the assistant from: "${message.slice(0, 160)}"`,
    rule_definition: {
      condition: conditions.length === 1 ? conditions[0] : { all: conditions },
      action,
      severity,
      mode: 'shadow',
    },
  };
}

async function draftRule(ctx: ToolContext, sink: AnswerSink, message: string): Promise<void> {
  const draft = draftFrom(message);
  if (!draft) {
    sink.text(
      'I can draft simple rules without a model: an amount threshold ("over 5,000 USD"), a country ("from BR") or a velocity ("5 payments in 10 minutes by payer"). Say which, or open the rule builder.\n',
    );
    sink.link('Rule builder', '/rules/new');
    return;
  }
  const r = await tool(ctx, sink, 'draft_rule', draft);
  if (!r) return;
  sink.draft(r.draft);
  sink.text(
    `Here is a draft in shadow mode, so it only records what it would do until you promote it. It is not saved: open it in the rule builder, review, backtest, and save it yourself${r.valid ? '' : ' (the builder shows what to fix first)'}.\n`,
  );
}

async function fromHelp(ctx: ToolContext, sink: AnswerSink, message: string): Promise<void> {
  const found = searchHelp(await loadHelp(ctx.helpDir), message, 3);
  sink.tool('search_help', true);
  const best = found[0];
  if (!best) {
    sink.text(
      'I don\'t know that one. Without a model configured I answer from the help center and can: explain why a payment was flagged ("why was pay_… flagged?"), summarise the alert queue ("open critical alerts"), tell whether the dead-letter queue is growing, report system health, and draft simple rules. I never refund, resolve or change anything.\n',
    );
    return;
  }
  sink.text(`**${best.article.title}** — ${firstParagraph(best.article)}\n`);
  for (const f of found) sink.link(f.article.title, `/help/${f.article.slug}`);
  if (best.article.route) sink.link(`Open ${best.article.route}`, best.article.route);
}

async function paymentSummary(ctx: ToolContext, sink: AnswerSink, id: string): Promise<void> {
  const p = await tool(ctx, sink, 'get_payment', { payment_id: id });
  if (!p) return;
  const marks = [p.flagged === true && ', flagged', p.held === true && ', held'].filter(Boolean).join('');
  sink.text(
    `${id}: ${String(p.current_state)}, ${String(p.amount)} ${String(p.currency)} from ${String(p.payer_id)} to ${String(p.merchant_id)}${marks}.\n`,
  );
  sink.link(`Payment ${id}`, `/payments/${id}`);
}

interface Intent {
  readonly test: (message: string, payment: string | undefined) => boolean;
  readonly run: (ctx: ToolContext, sink: AnswerSink, message: string, payment: string) => Promise<void>;
}

/** The common questions, most specific first; anything else goes to the help center. */
const INTENTS: readonly Intent[] = [
  {
    test: (m, p) =>
      p !== undefined && /\b(flag|flagged|why|alert|rule|fired|held|hold|block|suspicious)/i.test(m),
    run: (ctx, sink, _m, p) => explainPayment(ctx, sink, p),
  },
  { test: (_m, p) => p !== undefined, run: (ctx, sink, _m, p) => paymentSummary(ctx, sink, p) },
  {
    test: (m) => /\b(draft|write|suggest|create|make|build)\b.*\brule\b/i.test(m),
    run: (ctx, sink, m) => draftRule(ctx, sink, m),
  },
  { test: (m) => /\b(dlq|dead[- ]letter)/i.test(m), run: (ctx, sink) => dlq(ctx, sink) },
  {
    test: (m) =>
      /\balerts?\b/i.test(m) &&
      /\b(open|critical|high|queue|summar|how many|list|show|acknowledged|resolved)/i.test(m),
    run: (ctx, sink, m) => summariseAlerts(ctx, sink, m),
  },
  { test: (m) => /\b(health|healthy|degraded|down)\b/i.test(m), run: (ctx, sink) => health(ctx, sink) },
];

/** Answers one message with the built-in assistant. */
export async function builtinAnswer(ctx: ToolContext, message: string, sink: AnswerSink): Promise<void> {
  const payment = PAYMENT_ID.exec(message)?.[0];
  const intent = INTENTS.find((i) => i.test(message, payment));
  await (intent ? intent.run(ctx, sink, message, payment ?? '') : fromHelp(ctx, sink, message));
}
