// The assistant with Gemini, through Google's SDK (@google/genai): the answer streams
// (streamGenerateContent, server-sent events) and the model calls the read tools, which run
// here under the caller's principal; each function call's result goes back as a functionResponse
// turn until the model answers in text (a few rounds at most). The key stays on the server.
import {
  createPartFromFunctionResponse,
  GoogleGenAI,
  type Content,
  type FunctionCall,
  type GenerateContentResponse,
  type Part,
} from '@google/genai';
import type { Principal } from '../http/principal.ts';
import type { AnswerSink } from './builtin.ts';
import { redactCardNumbers } from './redact.ts';
import { runTool, TOOLS, type ToolContext } from './tools.ts';

export interface GeminiSettings {
  readonly apiKey: string;
  readonly model: string;
  /** Another endpoint speaking Gemini's REST protocol (a proxy, or a test's server). */
  readonly baseUrl?: string | undefined;
}

export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

export interface Usage {
  promptTokens: number;
  answerTokens: number;
}

/** Rounds of function calls before the model must answer. */
const MAX_ROUNDS = 5;

export function geminiClient(s: GeminiSettings): GoogleGenAI {
  return new GoogleGenAI({
    apiKey: s.apiKey,
    ...(s.baseUrl ? { httpOptions: { baseUrl: s.baseUrl } } : {}),
  });
}

function instruction(principal: Principal): string {
  return [
    'You are the PayFlow assistant inside the PayFlow console, a payments control plane.',
    `The person asking is signed in with the ${principal.role} role. You can read only what they can read, through the tools; never guess data.`,
    'You only read and draft. You cannot refund, capture, cancel, acknowledge, resolve, assign, redrive, delete, or save anything: say so plainly and tell them where in the console they can do it if their role allows.',
    'To explain why a payment was flagged, call explain_payment_flag and name each rule with its version, the values it saw, and the audit trail.',
    'To summarise alerts, call list_alerts. For "is the DLQ growing", call queue_stats. For how-to questions, call search_help.',
    'To propose a rule, call draft_rule (prefer shadow mode); the person reviews and saves it in the rule builder. Never claim a rule was saved.',
    'Answer briefly in Markdown. Never repeat card numbers.',
  ].join('\n');
}

interface Round {
  calls: FunctionCall[];
  parts: Part[];
  prompt: number;
  answer: number;
}

/** One streamed request: its text goes to the sink as it comes; function calls are collected. */
async function readRound(stream: AsyncGenerator<GenerateContentResponse>, sink: AnswerSink): Promise<Round> {
  const round: Round = { calls: [], parts: [], prompt: 0, answer: 0 };
  for await (const chunk of stream) {
    for (const part of chunk.candidates?.[0]?.content?.parts ?? []) takePart(round, part, sink);
    // Each chunk carries the usage so far of this request; the last one holds its total.
    const u = chunk.usageMetadata;
    if (u) {
      round.prompt = u.promptTokenCount ?? 0;
      round.answer = u.candidatesTokenCount ?? 0;
    }
  }
  return round;
}

function takePart(round: Round, part: Part, sink: AnswerSink): void {
  if (part.functionCall) {
    round.calls.push(part.functionCall);
    round.parts.push(part);
  } else if (typeof part.text === 'string' && part.text !== '' && part.thought !== true) {
    sink.text(redactCardNumbers(part.text));
    round.parts.push({ text: part.text });
  }
}

/** Runs the model's function calls as the caller; answers the functionResponse parts. */
async function callTools(
  ctx: ToolContext,
  calls: readonly FunctionCall[],
  sink: AnswerSink,
): Promise<Part[]> {
  const parts: Part[] = [];
  for (const call of calls) {
    const name = call.name ?? '';
    const r = await runTool(ctx, name, call.args ?? {});
    sink.tool(name, r.ok);
    if (r.ok && name === 'draft_rule') sink.draft((r.result as { draft: unknown }).draft);
    const part = createPartFromFunctionResponse(
      call.id ?? '',
      name,
      r.ok ? { output: r.result } : { error: r.error },
    );
    // The Gemini API gives calls no id (Vertex AI does): answer in kind.
    if (!call.id && part.functionResponse) delete part.functionResponse.id;
    parts.push(part);
  }
  return parts;
}

/** Streams Gemini's answer to the sink, running its function calls; answers the tokens used. */
export async function geminiAnswer(opts: {
  client: GoogleGenAI;
  model: string;
  ctx: ToolContext;
  history: readonly ChatMessage[];
  sink: AnswerSink;
  signal: AbortSignal;
}): Promise<Usage> {
  const { client, model, ctx, sink, signal } = opts;
  const contents: Content[] = opts.history.map((m) => ({
    role: m.role === 'assistant' ? 'model' : 'user',
    parts: [{ text: redactCardNumbers(m.text) }],
  }));
  const usage: Usage = { promptTokens: 0, answerTokens: 0 };
  const functionDeclarations = TOOLS.map((t) => ({
    name: t.name,
    description: t.description,
    parametersJsonSchema: t.parameters,
  }));
  for (let round = 0; round <= MAX_ROUNDS; round++) {
    const stream = await client.models.generateContentStream({
      model,
      contents,
      config: {
        systemInstruction: instruction(ctx.principal),
        // The last round has no tools: the model must answer.
        tools: round < MAX_ROUNDS ? [{ functionDeclarations }] : [],
        abortSignal: signal,
        temperature: 0.2,
      },
    });
    const r = await readRound(stream, sink);
    usage.promptTokens += r.prompt;
    usage.answerTokens += r.answer;
    if (r.calls.length === 0) break;
    contents.push({ role: 'model', parts: r.parts });
    contents.push({ role: 'user', parts: await callTools(ctx, r.calls, sink) });
  }
  return usage;
}
