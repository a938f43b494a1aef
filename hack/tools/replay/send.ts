// Sending a replay: message bodies as the processor sent them (the original event ids, so the
// worker's dedup records recognise them), ten to a SendMessageBatch, at a rate limit.
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { replayMessageBody } from '@payflow/api/domain';
import type { Queue } from '../lib/connect.ts';
import type { StoredEvent } from './select.ts';

function entry(e: StoredEvent, i: number, replayId: string, fifo: boolean): SendMessageBatchRequestEntry {
  return {
    Id: String(i),
    MessageBody: replayMessageBody(e, replayId),
    MessageAttributes: {
      event_id: { DataType: 'String', StringValue: e.event_id },
      event_type: { DataType: 'String', StringValue: e.type },
    },
    ...(fifo ? { MessageDeduplicationId: e.event_id, MessageGroupId: e.payment_id } : {}),
  };
}

/** A seeded shuffle (mulberry32): the same seed gives the same order, for a re-run. */
export function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let a = seed >>> 0;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export interface SendResult {
  readonly sent: string[];
  readonly failed: { event_id: string; error: string }[];
  readonly stopped: boolean;
}

const sleep = async (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted || ms <= 0) {
      resolve();
      return;
    }
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/** Sends `events` in order at `rate` messages a second; stops early when `signal` aborts. */
export async function sendAll(
  q: Queue,
  events: readonly StoredEvent[],
  o: { rate: number; replayId: string; signal: AbortSignal; onSent: (n: number) => void },
): Promise<SendResult> {
  const fifo = q.url.endsWith('.fifo');
  const result: SendResult = { sent: [], failed: [], stopped: false };
  const started = Date.now();
  for (let i = 0; i < events.length; i += 10) {
    if (o.signal.aborted) return { ...result, stopped: true };
    // Token bucket over the whole run: the i-th message is not sent before i / rate seconds.
    await sleep(started + (i / o.rate) * 1000 - Date.now(), o.signal);
    if (isAborted(o.signal)) return { ...result, stopped: true };
    await sendPart(q, events.slice(i, i + 10), { replayId: o.replayId, fifo }, result);
    o.onSent(result.sent.length + result.failed.length);
  }
  return result;
}

/** Read again after an await (the linter cannot know the signal may have changed meanwhile). */
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

async function sendPart(
  q: Queue,
  part: readonly StoredEvent[],
  o: { replayId: string; fifo: boolean },
  result: SendResult,
): Promise<void> {
  const res = await q.client.send(
    new SendMessageBatchCommand({
      QueueUrl: q.url,
      Entries: part.map((e, j) => entry(e, j, o.replayId, o.fifo)),
    }),
  );
  const failedIds = new Set((res.Failed ?? []).map((f) => f.Id));
  for (const f of res.Failed ?? [])
    result.failed.push({
      event_id: part[Number(f.Id)]?.event_id ?? '?',
      error: `${f.Code ?? 'Failed'}: ${f.Message ?? ''}`,
    });
  part.forEach((e, j) => {
    if (!failedIds.has(String(j))) result.sent.push(e.event_id);
  });
}
