import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { copyOut } from './copy-out.ts';

/** A protocol message: its code, its length (itself included) and its body. */
function message(code: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(code, 0, 'latin1');
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** Rows of varied lengths (0 to 300 bytes), each naming its number. */
const rows = Array.from({ length: 200 }, (_, i) => Buffer.from(`${String(i)}:${'x'.repeat((i * 37) % 300)}`));
const after = Buffer.concat([message('C', Buffer.from('COPY 200\0')), message('Z', Buffer.from('I'))]);
const wire = Buffer.concat([
  message('H', Buffer.from([0, 0, 0])),
  ...rows.map((r) => message('d', r)),
  message('c', Buffer.alloc(0)),
  after,
]);

/**
 * Runs copyOut over a stand-in connection fed `wire` in the given chunk sizes; returns the rows
 * the handler saw (copied during the call, as the handler's contract asks) and the bytes handed
 * back to the client's own parser after CopyDone.
 */
async function feed(
  sizes: (i: number) => number,
  onRow: (row: Buffer) => void = () => undefined,
): Promise<{ seen: Buffer[]; handedBack: Buffer; error?: unknown }> {
  const stream = new EventEmitter();
  const parsed: Buffer[] = [];
  stream.on('data', (b: Buffer) => parsed.push(Buffer.from(b)));
  const seen: Buffer[] = [];
  let submittable: { submit: (c: unknown) => void; handleReadyForQuery: () => void } | undefined;
  const client = {
    query: (s: typeof submittable) => {
      submittable = s;
      s?.submit({ stream, query: () => undefined });
    },
  } as unknown as pg.ClientBase;
  const done = copyOut(client, 'copy t to stdout', (buf, start, end) => {
    const row = Buffer.from(buf.subarray(start, end));
    seen.push(row);
    onRow(row);
  });
  for (let o = 0, i = 0; o < wire.length; i++) {
    const n = Math.max(1, sizes(i));
    stream.emit('data', wire.subarray(o, o + n));
    o += n;
  }
  // The client's parser (handed the rest) would see ReadyForQuery and settle the query.
  submittable?.handleReadyForQuery();
  const error: unknown = await done.then(
    () => undefined,
    (err: unknown) => err,
  );
  return { seen, handedBack: Buffer.concat(parsed), error };
}

describe('copyOut framing', () => {
  it('when the stream arrives in chunks cut anywhere (inside a header, a row, or between them), then every row arrives whole, once, in order, and what follows CopyDone goes back to the client', async () => {
    const cuts = [1, 2, 3, 4, 5, 6, 7, 11, 64, 299, 1000, wire.length];
    for (const size of cuts) {
      const { seen, handedBack } = await feed(() => size);
      expect(seen, `chunks of ${String(size)}`).toEqual(rows);
      expect(handedBack.equals(after), `chunks of ${String(size)}`).toBe(true);
    }
    // Uneven chunks: 1, 2, … 17 bytes, again and again.
    const uneven = await feed((i) => (i % 17) + 1);
    expect(uneven.seen).toEqual(rows);
    expect(uneven.handedBack.equals(after)).toBe(true);
  });

  it('when the handler throws on a row, then copyOut rejects with that error, hands it no row after, and still gives what follows CopyDone back to the client', async () => {
    for (const size of [3, 64, 1000, wire.length]) {
      let calls = 0;
      const { error, handedBack } = await feed(
        () => size,
        (row) => {
          calls++;
          if (row.toString('latin1').startsWith('50:')) throw new Error('row 50 is bad');
        },
      );
      expect(error, `chunks of ${String(size)}`).toEqual(new Error('row 50 is bad'));
      expect(calls, `chunks of ${String(size)}`).toBe(51);
      expect(handedBack.equals(after), `chunks of ${String(size)}`).toBe(true);
    }
  });
});
