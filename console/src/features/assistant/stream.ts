// Asking the assistant: POST /api/v1/assistant/chat answers server-sent events, read here with
// fetch (the access token in the header) and handed on one by one as they arrive.
import { respond } from '../../lib/api';
import { parseFrames } from '../../lib/live';

export interface ChatMessage {
  role: 'user' | 'assistant';
  text: string;
}

export interface RuleDraft {
  name: string;
  description: string;
  rule_definition: unknown;
}

export type AssistantEvent =
  | { kind: 'meta'; mode: 'gemini' | 'builtin' }
  | { kind: 'text'; text: string }
  | { kind: 'tool'; name: string; ok: boolean }
  | { kind: 'draft'; draft: RuleDraft }
  | { kind: 'link'; label: string; href: string }
  | { kind: 'done'; outcome: string }
  | { kind: 'error'; detail: string };

const text = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

function eventOf(kind: string, d: Record<string, unknown>): AssistantEvent | undefined {
  switch (kind) {
    case 'meta':
      return { kind, mode: d.mode === 'gemini' ? 'gemini' : 'builtin' };
    case 'text':
      return { kind, text: text(d.text) };
    case 'tool':
      return { kind, name: text(d.name), ok: d.ok === true };
    case 'draft':
      return { kind, draft: d as unknown as RuleDraft };
    case 'link':
      return { kind, label: text(d.label), href: text(d.href, '/') };
    case 'done':
      return { kind, outcome: text(d.outcome) };
    case 'error':
      return { kind, detail: text(d.detail, 'The assistant could not answer.') };
    default:
      return undefined;
  }
}

/** Sends the conversation; calls `onEvent` for each event of the answer until it ends. */
export async function ask(
  messages: readonly ChatMessage[],
  onEvent: (e: AssistantEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await respond('/api/v1/assistant/chat', {
    method: 'POST',
    body: { messages },
    headers: { Accept: 'text/event-stream' },
    signal,
  });
  const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
  if (!reader) return;
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parsed = parseFrames(buffer + value);
    buffer = parsed.rest;
    for (const f of parsed.frames) {
      const e = eventOf(f.kind, f.data);
      if (e) onEvent(e);
    }
  }
}
