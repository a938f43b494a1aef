import type { GoogleGenAI } from '@google/genai';
import type { Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { z } from 'zod';
import { builtinAnswer, type AnswerSink } from '../assistant/builtin.ts';
import { geminiAnswer, geminiClient, type ChatMessage, type Usage } from '../assistant/gemini.ts';
import { DEFAULT_HELP_DIR } from '../assistant/help.ts';
import { refusalFor } from '../assistant/policy.ts';
import { redactCardNumbers } from '../assistant/redact.ts';
import type { ApiDeps } from '../deps.ts';
import { Forbidden, RateLimited } from '../domain/errors.ts';
import type { Principal } from '../http/principal.ts';
import { defineRoute, problemSchema, type AnyRoute } from '../http/route.ts';
import { metricName } from '../observability/metrics.ts';

const MAX_MESSAGES = 20;
const MAX_TEXT = 4000;
/** A whole answer (every round of tools and text) ends after this long. */
const ANSWER_TIMEOUT_MS = 60_000;

const messageSchema = z.strictObject({
  role: z.enum(['user', 'assistant']),
  text: z.string().min(1).max(MAX_TEXT),
});

const chatBody = z
  .strictObject({
    messages: z
      .array(messageSchema)
      .min(1)
      .max(MAX_MESSAGES)
      .describe('The conversation so far, oldest first; the last one is the question'),
  })
  .refine((b) => b.messages.at(-1)?.role === 'user', {
    error: 'the last message must be the user’s question',
    path: ['messages'],
  });

interface AssistantMetrics {
  requests: Counter;
  tokens: Counter;
  tools: Counter;
  latency: Histogram;
}

const metricsByRegistry = new WeakMap<Registry, AssistantMetrics>();

/** The assistant's metrics, made once per registry (tests build route tables twice on one). */
function metricsOf(registry: Registry): AssistantMetrics {
  const known = metricsByRegistry.get(registry);
  if (known) return known;
  const made: AssistantMetrics = {
    requests: new Counter({
      name: metricName('assistant_requests_total'),
      help: 'Questions to the assistant, by mode (gemini, builtin) and outcome (answered, refused, error, rate_limited).',
      labelNames: ['mode', 'outcome'],
      registers: [registry],
    }),
    tokens: new Counter({
      name: metricName('assistant_tokens_total'),
      help: 'Gemini tokens used by the assistant, by kind (prompt, answer).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    tools: new Counter({
      name: metricName('assistant_tool_calls_total'),
      help: 'Tool calls the assistant made, by mode, tool and outcome (ok, error).',
      labelNames: ['mode', 'tool', 'outcome'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: metricName('assistant_answer_seconds'),
      help: 'Time from the question to the end of the answer, by mode.',
      labelNames: ['mode'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60],
      registers: [registry],
    }),
  };
  metricsByRegistry.set(registry, made);
  return made;
}

function signedInUser(principal: Principal | undefined): Principal {
  if (principal?.kind !== 'user') {
    throw new Forbidden('The assistant answers signed-in users; API keys and system callers have none.');
  }
  return principal;
}

/** A fixed one-minute window per user in the key-value store; fails open (logged) if it does not answer. */
async function checkRate(deps: ApiDeps, userId: string): Promise<void> {
  const limit = deps.config.ASSISTANT_RATE_LIMIT_PER_MINUTE;
  if (limit === 0) return;
  const window = Math.floor(Date.now() / 60_000);
  let n: number;
  try {
    [n = 0] = await deps.kv.hit([`payflow:assistant:${userId}:${String(window)}`], 61_000);
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, 'assistant rate limit unavailable; allowing');
    return;
  }
  if (n > limit) {
    const retry = 60 - Math.floor((Date.now() / 1000) % 60);
    throw new RateLimited(
      retry,
      `You can ask the assistant ${String(limit)} questions a minute; retry in ${String(retry)} seconds.`,
    );
  }
}

const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

interface Gemini {
  client: GoogleGenAI;
  model: string;
}

interface Answering {
  deps: ApiDeps;
  metrics: AssistantMetrics;
  helpDir: string;
  gemini: Gemini | undefined;
  user: Principal;
  messages: readonly ChatMessage[];
  requestId: string;
  res: Response;
}

/** An SSE response whose writer stops quietly once the browser has gone. */
function openEvents(res: Response): (event: string, data: unknown) => void {
  res.status(200).set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  return (event, data) => {
    if (!res.writableEnded) res.write(frame(event, data));
  };
}

/** The sink that streams an answer and meters its tool calls. */
function streamingSink(
  write: (event: string, data: unknown) => void,
  metrics: AssistantMetrics,
  mode: string,
): AnswerSink & { tools: string[]; chars: number } {
  const sink = {
    tools: [] as string[],
    chars: 0,
    text: (t: string) => {
      sink.chars += t.length;
      write('text', { text: t });
    },
    tool: (name: string, ok: boolean) => {
      sink.tools.push(name);
      metrics.tools.inc({ mode, tool: name, outcome: ok ? 'ok' : 'error' });
      write('tool', { name, ok });
    },
    draft: (d: unknown) => {
      write('draft', d);
    },
    link: (label: string, href: string) => {
      write('link', { label, href });
    },
  };
  return sink;
}

/** The answer itself: a refusal, Gemini's, or the built-in assistant's. */
async function produce(
  a: Answering,
  sink: AnswerSink,
  signal: AbortSignal,
): Promise<{ outcome: string; usage?: Usage }> {
  const question = a.messages.at(-1)?.text ?? '';
  const refusal = refusalFor(question, a.user);
  if (refusal) {
    sink.text(refusal.text);
    return { outcome: 'refused' };
  }
  const ctx = { deps: a.deps, principal: a.user, helpDir: a.helpDir };
  if (!a.gemini) {
    await builtinAnswer(ctx, question, sink);
    return { outcome: 'answered' };
  }
  const usage = await geminiAnswer({ ...a.gemini, ctx, history: a.messages, sink, signal });
  a.metrics.tokens.inc({ kind: 'prompt' }, usage.promptTokens);
  a.metrics.tokens.inc({ kind: 'answer' }, usage.answerTokens);
  return { outcome: 'answered', usage };
}

/** Metrics and one log line per answer: what was asked without card numbers, the answer by its size. */
function record(
  a: Answering,
  r: { mode: string; outcome: string; usage?: Usage | undefined; seconds: number },
  sink: { chars: number; tools: string[] },
): void {
  const { mode, outcome, usage, seconds } = r;
  a.metrics.requests.inc({ mode, outcome });
  a.metrics.latency.observe({ mode }, seconds);
  a.deps.logger.info(
    {
      requestId: a.requestId,
      user: a.user.id,
      mode,
      outcome,
      question: redactCardNumbers(a.messages.at(-1)?.text ?? '').slice(0, 200),
      answer_chars: sink.chars,
      tools: sink.tools,
      tokens: usage ?? null,
      ms: Math.round(seconds * 1000),
    },
    'assistant answered',
  );
}

/** Answers the last question of a conversation as a stream; refusals first, then a model or the built-in. */
async function answer(a: Answering): Promise<void> {
  const { deps, metrics, gemini, res } = a;
  const mode = gemini ? 'gemini' : 'builtin';
  const started = performance.now();
  const abort = new AbortController();
  const timer = setTimeout(() => {
    abort.abort(new Error('the answer took too long'));
  }, ANSWER_TIMEOUT_MS);
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(new Error('the browser went away'));
  });
  const write = openEvents(res);
  const sink = streamingSink(write, metrics, mode);
  write('meta', { mode, model: gemini?.model ?? null });
  let result: { outcome: string; usage?: Usage } = { outcome: 'error' };
  try {
    result = await produce(a, sink, abort.signal);
    write('done', { mode, outcome: result.outcome, tokens: result.usage ?? null });
  } catch (err) {
    const why = abort.signal.aborted ? (abort.signal.reason as Error | undefined)?.message : undefined;
    deps.logger.warn(
      { err: redactCardNumbers((err as Error).message), requestId: a.requestId },
      'assistant failed',
    );
    write('error', {
      detail: why
        ? `The assistant stopped: ${why}.`
        : 'The assistant could not answer just now. Try again, or ask the built-in way: "why was pay_… flagged?"',
    });
  } finally {
    clearTimeout(timer);
    record(a, { mode, ...result, seconds: (performance.now() - started) / 1000 }, sink);
    res.end();
  }
}

/** The console's assistant: the mode, and a question answered as a stream of server-sent events. */
export function assistantRoutes(deps: ApiDeps): AnyRoute[] {
  const c = deps.config;
  const metrics = metricsOf(deps.registry);
  const helpDir = c.HELP_DIR ?? DEFAULT_HELP_DIR;
  const gemini = c.GEMINI_API_KEY
    ? {
        client: geminiClient({ apiKey: c.GEMINI_API_KEY, model: c.GEMINI_MODEL, baseUrl: c.GEMINI_BASE_URL }),
        model: c.GEMINI_MODEL,
      }
    : undefined;
  const mode = gemini ? 'gemini' : 'builtin';
  const tags = ['Assistant'];
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/assistant',
      access: 'viewer',
      scope: 'none',
      summary: 'Which assistant answers: Gemini (a key is configured on the server) or the built-in one',
      tags,
      responses: {
        200: {
          description: 'The assistant',
          schema: z
            .object({
              mode: z.enum(['gemini', 'builtin']),
              model: z.string().nullable(),
              rate_limit_per_minute: z.number().int(),
            })
            .meta({ id: 'AssistantInfo' }),
        },
      },
      handler: () =>
        Promise.resolve({
          status: 200,
          body: {
            mode,
            model: gemini?.model ?? null,
            rate_limit_per_minute: c.ASSISTANT_RATE_LIMIT_PER_MINUTE,
          },
        }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/assistant/chat',
      access: 'viewer',
      // Every tool passes the caller's merchant scope to its use case, as its route does.
      scope: 'query',
      summary:
        'Ask the assistant. The answer streams as server-sent events: `text` (a piece of the answer), `tool` (a read it made), `draft` (a rule draft for the builder, never saved), `link`, then `done` or `error`',
      tags,
      body: chatBody,
      streaming: true,
      responses: {
        200: { description: 'text/event-stream' },
        400: { description: 'Invalid body, naming the field', schema: problemSchema },
        403: { description: 'Not a signed-in user', schema: problemSchema },
        429: { description: 'Too many questions this minute', schema: problemSchema },
      },
      handler: async ({ body, principal, req, res }) => {
        const user = signedInUser(principal);
        try {
          await checkRate(deps, user.id);
        } catch (err) {
          metrics.requests.inc({ mode, outcome: 'rate_limited' });
          throw err;
        }
        await answer({
          deps,
          metrics,
          helpDir,
          gemini,
          user,
          messages: body.messages,
          requestId: req.id,
          res,
        });
        return undefined;
      },
    }),
  ];
}
