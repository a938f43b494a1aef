// The console's assistant over HTTP: the built-in one (no key) and the Gemini one through the
// real @google/genai SDK against a local server speaking Gemini's streaming REST protocol, with a
// streamed function call answered by a functionResponse turn. Both read through the API's own
// use cases as the caller, and refuse to act.
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { functionResponses, startGeminiStub, type GeminiStub } from '../support/gemini.ts';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

interface Event {
  event: string;
  data: Record<string, unknown>;
}
interface Answer {
  status: number;
  events: Event[];
  text: string;
  raw: string;
}

const GEMINI_KEY = `test-key-${randomUUID()}`;

const LARGE_PAYMENT = {
  name: 'large-payment',
  description: 'Alerts on payments of 1,000.00 or more.',
  rule_definition: {
    condition: { field: 'amount_minor', op: 'gte', value: 100_000 },
    action: 'alert',
    severity: 'high',
  },
};

/** `role` is a role, or a role limited to some merchants. */
async function chat(
  t: OpsApi,
  who: string | { role: string; merchants: readonly string[] },
  user: string,
  text: string,
): Promise<Answer> {
  const { role, merchants } = typeof who === 'string' ? { role: who, merchants: undefined } : who;
  const res = await fetch(`${t.api.url}/api/v1/assistant/chat`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-test-role': role,
      'x-test-user': user,
      ...(merchants ? { 'x-test-merchants': merchants.join(',') } : {}),
    },
    body: JSON.stringify({ messages: [{ role: 'user', text }] }),
  });
  const raw = await res.text();
  const events: Event[] = [];
  for (const block of raw.split('\n\n')) {
    const event = /^event: (.+)$/m.exec(block)?.[1];
    const data = /^data: (.+)$/m.exec(block)?.[1];
    if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
  }
  const answer = events
    .filter((e) => e.event === 'text')
    .map((e) => String(e.data.text))
    .join('');
  return { status: res.status, events, text: answer, raw };
}

const user = (): string => `usr_assist_${randomUUID().slice(0, 8)}`;

/** A rule at version 2 whose alert flagged a new payment, made through the API. */
async function flaggedPayment(t: OpsApi): Promise<{ paymentId: string; ruleId: string }> {
  const rule = await t.call<{ id: string; version: number }>('POST', '/api/v1/rules', {
    role: 'admin',
    body: LARGE_PAYMENT,
  });
  expect(rule.status).toBe(201);
  const v2 = await t.call<{ version: number }>('PUT', `/api/v1/rules/${rule.body.id}`, {
    role: 'admin',
    body: { ...LARGE_PAYMENT, description: 'Alerts on payments of 1,000.00 or more (tuned).' },
  });
  expect(v2.body.version).toBe(2);
  const payment = await t.call<{ id: string }>('POST', '/api/v1/transactions', {
    role: 'operator',
    headers: { 'idempotency-key': randomUUID() },
    body: { merchant_id: 'globex-travel', payer_id: 'payer_0003', amount: 4200, currency: 'GBP' },
  });
  expect(payment.status).toBe(201);
  const alertId = newId('alt');
  await t.api.deps.pool.query(
    `insert into alerts (id, rule_id, rule_version, payment_id, severity, title, details, dedupe_key)
     values ($1, $2, 2, $3, 'high', 'Large payment', $4, $1)`,
    [
      alertId,
      rule.body.id,
      payment.body.id,
      JSON.stringify({ reasons: ['amount_minor gte 100000 (was 420000)'], rule_name: 'large-payment' }),
    ],
  );
  return { paymentId: payment.body.id, ruleId: rule.body.id };
}

describe('assistant', () => {
  let helpDir: string;
  let builtin: OpsApi;
  let gemini: OpsApi;
  let stub: GeminiStub;
  let plain: { paymentId: string; ruleId: string };
  let viaGemini: { paymentId: string; ruleId: string };

  beforeAll(async () => {
    helpDir = await mkdtemp(join(tmpdir(), 'payflow-help-'));
    await writeFile(
      join(helpDir, 'rules.md'),
      '---\ntitle: The rule language\nsummary: Conditions, aggregates and actions.\nkeywords: rules, velocity, aggregate\nroute: /rules\n---\n# The rule language\n\nA velocity rule counts payments over a window, e.g. count over 10m by payer_id.\n',
    );
    stub = await startGeminiStub((req) => {
      const responses = functionResponses(req);
      const explained = responses.get('explain_payment_flag');
      if (explained?.error) return { text: ['I cannot see that payment.'] };
      if (explained) {
        // Answer from what the tool returned, as a model would.
        const output = explained.output as { alerts: { rule: { name: string; version: number } }[] };
        const rule = output.alerts[0]?.rule;
        return {
          text: [
            'It was flagged by rule ',
            `${rule?.name ?? '?'} (version ${String(rule?.version ?? '?')}): `,
            'the amount was 4,200.00 GBP.',
          ],
        };
      }
      if (responses.has('draft_rule')) return { text: ['Here is a draft; review it in the rule builder.'] };
      const question = req.body.contents.at(-1)?.parts[0]?.text ?? '';
      const payment = /pay_[0-9A-Z]+/.exec(question)?.[0];
      if (payment) return { calls: [{ name: 'explain_payment_flag', args: { payment_id: payment } }] };
      if (/draft/i.test(question)) {
        return {
          calls: [
            {
              name: 'draft_rule',
              args: {
                name: 'payer-burst-tight',
                rule_definition: {
                  condition: { aggregate: 'count', window: '5m', group_by: 'payer_id', op: 'gte', value: 3 },
                  action: 'alert',
                  severity: 'medium',
                  mode: 'shadow',
                },
              },
            },
          ],
        };
      }
      return { text: ['I can help with payments, alerts and rules.'] };
    });
    builtin = await startOpsApi({ HELP_DIR: helpDir, ASSISTANT_RATE_LIMIT_PER_MINUTE: '4' });
    gemini = await startOpsApi({ HELP_DIR: helpDir, GEMINI_API_KEY: GEMINI_KEY, GEMINI_BASE_URL: stub.url });
    plain = await flaggedPayment(builtin);
    viaGemini = await flaggedPayment(gemini);
  });
  afterAll(async () => {
    await builtin.close();
    await gemini.close();
    await stub.close();
  });

  it('when asked which assistant answers, then it says so without the key', async () => {
    const a = await builtin.call('GET', '/api/v1/assistant', { role: 'viewer' });
    expect(a.body).toEqual({ mode: 'builtin', model: null, rate_limit_per_minute: 4 });
    const g = await gemini.call('GET', '/api/v1/assistant', { role: 'viewer' });
    expect(g.body).toMatchObject({ mode: 'gemini', model: 'gemini-2.5-flash' });
    expect(JSON.stringify(g.body)).not.toContain(GEMINI_KEY);
  });

  it('when a viewer asks the built-in assistant why a payment was flagged, then it names the rule and its version from the alert and audit trail', async () => {
    const a = await chat(builtin, 'viewer', user(), `Why was payment ${plain.paymentId} flagged?`);
    expect(a.status).toBe(200);
    expect(a.events[0]).toEqual({ event: 'meta', data: { mode: 'builtin', model: null } });
    expect(a.text).toContain('rule **large-payment** (version 2)');
    expect(a.text).toContain('amount_minor gte 100000 (was 420000)');
    expect(a.text).toMatch(/audit trail/);
    expect(a.text).toContain('payment.created');
    expect(a.events).toContainEqual({ event: 'tool', data: { name: 'explain_payment_flag', ok: true } });
    expect(a.events).toContainEqual({
      event: 'link',
      data: { label: 'Rule large-payment', href: `/rules/${plain.ruleId}` },
    });
    expect(a.events.at(-1)).toMatchObject({ event: 'done', data: { outcome: 'answered' } });
  });

  it('when the Gemini assistant is asked, then the SDK streams a function call, the tool runs as the caller, and the answer names the rule and its version', async () => {
    const before = stub.requests.length;
    const a = await chat(
      gemini,
      'viewer',
      user(),
      `Why was payment ${viaGemini.paymentId} flagged? My card is 4242 4242 4242 4242.`,
    );
    expect(a.status).toBe(200);
    expect(a.events.filter((e) => e.event === 'error')).toEqual([]);
    expect(a.text).toBe('It was flagged by rule large-payment (version 2): the amount was 4,200.00 GBP.');
    // Streamed: three text events, not one.
    expect(a.events.filter((e) => e.event === 'text')).toHaveLength(3);
    expect(a.events).toContainEqual({ event: 'tool', data: { name: 'explain_payment_flag', ok: true } });
    expect(a.events.at(-1)).toMatchObject({
      event: 'done',
      data: { mode: 'gemini', outcome: 'answered', tokens: { promptTokens: 200, answerTokens: 20 } },
    });
    const [first, second] = stub.requests.slice(before);
    expect(stub.requests.length - before).toBe(2);
    expect(first?.alt).toBe('sse');
    expect(first?.model).toBe('gemini-2.5-flash');
    expect(first?.apiKey).toBe(GEMINI_KEY);
    expect(first?.body.systemInstruction?.parts[0]?.text).toContain('viewer role');
    expect(first?.body.tools?.[0]?.functionDeclarations?.map((d) => d.name)).toEqual(
      expect.arrayContaining([
        'explain_payment_flag',
        'list_alerts',
        'queue_stats',
        'draft_rule',
        'search_help',
      ]),
    );
    // The card number never left the API.
    expect(JSON.stringify(first?.body)).not.toContain('4242');
    // The second turn holds the model's function call and the tool's answer.
    expect(second?.body.contents.at(-2)?.parts[0]?.functionCall).toEqual({
      name: 'explain_payment_flag',
      args: { payment_id: viaGemini.paymentId },
    });
    const output = functionResponses(second!).get('explain_payment_flag')?.output as {
      payment: Record<string, unknown>;
      alerts: { rule: unknown }[];
    };
    expect(output.alerts[0]?.rule).toEqual({ id: viaGemini.ruleId, name: 'large-payment', version: 2 });
    expect(output.payment).not.toHaveProperty('card_fingerprint');
    // The key is never sent to the browser.
    expect(a.raw).not.toContain(GEMINI_KEY);
  });

  it('when a user limited to other merchants asks, then the tools see what the routes would show them: nothing of that payment', async () => {
    const a = await chat(
      builtin,
      { role: 'viewer', merchants: ['acme-books'] },
      user(),
      `Why was payment ${plain.paymentId} flagged?`,
    );
    expect(a.text).toMatch(new RegExp(`Payment ${plain.paymentId}.* not found`));
    expect(a.text).not.toContain('large-payment');
    expect(a.events).toContainEqual({ event: 'tool', data: { name: 'explain_payment_flag', ok: false } });
    const alerts = await chat(
      builtin,
      { role: 'viewer', merchants: ['acme-books'] },
      user(),
      'open high alerts',
    );
    expect(alerts.text).toContain('There are no open alerts.');
    const before = stub.requests.length;
    const g = await chat(
      gemini,
      { role: 'viewer', merchants: ['acme-books'] },
      user(),
      `Why was payment ${viaGemini.paymentId} flagged?`,
    );
    expect(stub.requests.length - before).toBe(2);
    const answered = functionResponses(stub.requests.at(-1)!).get('explain_payment_flag');
    expect(answered).toEqual({ error: expect.stringContaining('not found') as unknown });
    expect(g.events).toContainEqual({ event: 'tool', data: { name: 'explain_payment_flag', ok: false } });
    // The owner's merchant sees it.
    const own = await chat(
      builtin,
      { role: 'viewer', merchants: ['globex-travel'] },
      user(),
      `Why was payment ${plain.paymentId} flagged?`,
    );
    expect(own.text).toContain('rule **large-payment** (version 2)');
  });

  it('when a viewer asks either assistant to refund, then it refuses plainly and calls no model', async () => {
    for (const t of [builtin, gemini]) {
      const before = stub.requests.length;
      const a = await chat(t, 'viewer', user(), `Refund ${plain.paymentId} please`);
      expect(a.text).toContain("I can't refund payments, and neither can your role: you are a viewer");
      expect(a.events.at(-1)).toMatchObject({ event: 'done', data: { outcome: 'refused' } });
      expect(stub.requests.length).toBe(before);
    }
    const op = await chat(builtin, 'operator', user(), `refund ${plain.paymentId}`);
    expect(op.text).toContain("I can't refund payments: the assistant only reads and drafts");
    const { rows } = await builtin.api.deps.pool.query(
      "select 1 from audit_log where resource_id = $1 and action like '%refund%'",
      [plain.paymentId],
    );
    expect(rows).toEqual([]);
  });

  it('when asked to draft a rule, then both hand back a draft for the builder and save nothing', async () => {
    const count = async (t: OpsApi) =>
      (await t.api.deps.pool.query('select count(*)::int as n from rules')).rows[0] as { n: number };
    const before = await count(builtin);
    const a = await chat(
      builtin,
      'viewer',
      user(),
      'Draft a rule for payments over 5,000 USD from BR, hold them',
    );
    const draft = a.events.find((e) => e.event === 'draft')?.data;
    expect(draft).toMatchObject({
      rule_definition: {
        condition: {
          all: [
            { field: 'amount_minor', op: 'gte', value: 500_000 },
            { field: 'currency', op: 'eq', value: 'USD' },
            { field: 'country', op: 'eq', value: 'BR' },
          ],
        },
        action: 'hold',
        mode: 'shadow',
      },
    });
    expect(a.text).toContain('It is not saved');
    expect(await count(builtin)).toEqual(before);
    const g = await chat(gemini, 'viewer', user(), 'Draft a tighter payer burst rule');
    expect(g.events.find((e) => e.event === 'draft')?.data).toMatchObject({ name: 'payer-burst-tight' });
    expect(g.events).toContainEqual({ event: 'tool', data: { name: 'draft_rule', ok: true } });
  });

  it('when asked the common questions, then the built-in assistant reads the alert queue, the DLQ trend and the help center', async () => {
    const pool = builtin.api.deps.pool;
    await pool.query(
      `insert into alerts (id, payment_id, severity, title, dedupe_key) values ($1, 'pay_other', 'critical', 'Card testing', $1)`,
      [newId('alt')],
    );
    const alerts = await chat(builtin, 'viewer', user(), 'open critical alerts');
    expect(alerts.text).toMatch(/Open alerts: 1 critical, 1 high\./);
    expect(alerts.text).toContain('Card testing (critical)');
    await pool.query(
      `insert into worker_pools (namespace, name, uid, spec) values ('payflow', 'events', 'u', '{}')`,
    );
    for (const [ago, dl] of [
      [40, 2],
      [20, 5],
      [1, 9],
    ] as const) {
      await pool.query(
        `insert into worker_pool_samples (namespace, name, at, backlog, dead_letter, desired, ready)
         values ('payflow', 'events', now() - make_interval(mins => $1), 0, $2, 1, 1)`,
        [ago, dl],
      );
    }
    const dlq = await chat(builtin, 'viewer', user(), 'Is the DLQ growing?');
    expect(dlq.text).toContain('Pool payflow/events: the DLQ is growing (2 → 9 over the last hour).');
    const help = await chat(builtin, 'viewer', user(), 'How do velocity rules work?');
    expect(help.text).toContain('**The rule language**');
    expect(help.events).toContainEqual({
      event: 'link',
      data: { label: 'The rule language', href: '/help/rules' },
    });
    const unknown = await chat(builtin, 'viewer', user(), 'zebra crossing');
    expect(unknown.text).toContain("I don't know that one");
    const missing = await chat(builtin, 'viewer', user(), 'why was pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG flagged');
    expect(missing.text).toContain('not found');
  });

  it('when a user asks too often or sends a bad body, then 429 and 400 problems say why', async () => {
    const who = user();
    for (let i = 0; i < 4; i++) expect((await chat(builtin, 'viewer', who, 'open alerts')).status).toBe(200);
    const over = await fetch(`${builtin.api.url}/api/v1/assistant/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-role': 'viewer', 'x-test-user': who },
      body: JSON.stringify({ messages: [{ role: 'user', text: 'open alerts' }] }),
    });
    expect(over.status).toBe(429);
    expect(over.headers.get('content-type')).toContain('application/problem+json');
    expect(await over.text()).toContain('4 questions a minute');
    const bad = await builtin.call<{ errors: { field: string }[] }>('POST', '/api/v1/assistant/chat', {
      role: 'viewer',
      user: user(),
      body: { messages: [{ role: 'assistant', text: 'hi' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.field).toBe('messages');
    const empty = await builtin.call<{ errors: { field: string }[] }>('POST', '/api/v1/assistant/chat', {
      role: 'viewer',
      body: { messages: [] },
    });
    expect(empty.body.errors[0]?.field).toBe('messages');
    const key = await builtin.call('POST', '/api/v1/assistant/chat', {
      role: 'viewer',
      headers: { 'x-test-kind': 'api_key' },
      body: { messages: [{ role: 'user', text: 'hi' }] },
    });
    expect(key.status).toBe(403);
  });

  it('when questions were answered, then /metrics counts them, their tokens, latency and tool calls', async () => {
    const text = await (await fetch(`${gemini.api.url}/metrics`)).text();
    expect(text).toMatch(
      /payflow_assistant_requests_total\{[^}]*mode="gemini",outcome="answered"[^}]*\} [1-9]/,
    );
    expect(text).toMatch(/payflow_assistant_requests_total\{[^}]*mode="gemini",outcome="refused"[^}]*\} 1/);
    expect(text).toMatch(/payflow_assistant_tokens_total\{[^}]*kind="prompt"[^}]*\} [1-9]/);
    expect(text).toMatch(
      /payflow_assistant_tool_calls_total\{[^}]*mode="gemini",tool="explain_payment_flag",outcome="ok"[^}]*\} 1/,
    );
    expect(text).toMatch(/payflow_assistant_answer_seconds_count\{[^}]*mode="gemini"[^}]*\} [1-9]/);
  });
});
