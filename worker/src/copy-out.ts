// `COPY … TO STDOUT` read straight from a node-postgres client's socket: each CopyData message's
// payload goes to a callback as it arrives, without a message object or a buffer per row. The
// client's own protocol parser is set aside from the start of the command to its CopyDone (or an
// error) and then given the rest, so the command's completion, errors and ReadyForQuery reach the
// client as for any query, and the connection goes on.
import type pg from 'pg';

/** A CopyData payload: bytes [start, end) of buf (valid during the call only). */
export type CopyDataHandler = (buf: Buffer, start: number, end: number) => void;

interface Connection {
  readonly stream: NodeJS.EventEmitter;
  query(text: string): void;
}

const ERROR_RESPONSE = 0x45; // 'E'
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'

export const uint32 = (b: Buffer, o: number): number =>
  (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;

/**
 * How many bytes of the chunk complete the CopyData message begun in `rest`; undefined when it is
 * another message, or the chunk does not complete it (those are joined whole, as before).
 */
function completing(rest: Buffer, chunk: Buffer): number | undefined {
  const head = rest.length >= 5 ? rest : Buffer.concat([rest, chunk.subarray(0, 5 - rest.length)]);
  if (head.length < 5 || head[0] !== COPY_DATA) return undefined;
  const take = 1 + uint32(head, 1) - rest.length;
  return take <= chunk.length ? take : undefined;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(JSON.stringify(err)));

class CopyOut {
  private failed: Error | undefined;
  private rest: Buffer | null = null;
  /** The end of the message being handed to onData. */
  private next = 0;
  private handedBack = false;
  private socket: NodeJS.EventEmitter | undefined;
  private parse: ((b: Buffer) => void) | undefined;
  private readonly onSocket = (chunk: Buffer): void => {
    this.read(chunk);
  };

  private readonly text: string;
  private readonly onData: CopyDataHandler;
  private readonly settle: { resolve: () => void; reject: (e: Error) => void };

  constructor(text: string, onData: CopyDataHandler, settle: CopyOut['settle']) {
    this.text = text;
    this.onData = onData;
    this.settle = settle;
  }

  submit(connection: Connection): void {
    const socket = connection.stream;
    const handlers = socket.listeners('data') as ((b: Buffer) => void)[];
    const parse = handlers[0];
    if (handlers.length !== 1 || !parse)
      throw new Error('copyOut: the connection has no single data handler');
    this.socket = socket;
    this.parse = parse;
    socket.removeListener('data', parse);
    socket.on('data', this.onSocket);
    connection.query(this.text);
  }

  /** Messages in the chunk (and what was left of the last), up to CopyDone or an error. */
  private read(chunk: Buffer): void {
    let buf = chunk;
    let o = 0;
    const rest = this.rest;
    this.rest = null;
    if (rest) {
      // The row begun in the last chunk is completed on its own: copying only its bytes, where
      // joining the tail to the whole chunk copied every chunk once more (and made garbage).
      const take = completing(rest, chunk);
      if (take === undefined) buf = Buffer.concat([rest, chunk]);
      else {
        const row = Buffer.concat([rest, chunk.subarray(0, take)]);
        this.deliver(row, 5, row.length);
        o = take;
      }
    }
    // A throw of the handler fails the command; the rest of its messages are read and dropped.
    for (;;) {
      try {
        o = this.scan(buf, o);
        break;
      } catch (err) {
        // Only the handler's throws: once the rest is the client's, its parser's are its own.
        if (this.handedBack) throw err;
        this.failed ??= asError(err);
        o = this.next;
      }
    }
    if (o >= 0 && o < buf.length) this.rest = Buffer.from(buf.subarray(o));
  }

  /** Messages of buf from o on; returns where its unread bytes start, or -1 once handed back. */
  private scan(buf: Buffer, from: number): number {
    const onData = this.failed ? undefined : this.onData;
    let o = from;
    while (o + 5 <= buf.length) {
      const code = buf[o];
      const end = o + 1 + uint32(buf, o + 1);
      // An error goes to the client's parser whole, even before all of it has arrived.
      if (code === ERROR_RESPONSE) {
        this.handBack(buf.subarray(o));
        return -1;
      }
      if (end > buf.length) break;
      this.next = end;
      if (code === COPY_DATA) onData?.(buf, o + 5, end);
      o = end;
      if (code === COPY_DONE) {
        this.handBack(buf.subarray(o));
        return -1;
      }
    }
    return o;
  }

  private deliver(buf: Buffer, start: number, end: number): void {
    if (this.failed) return;
    try {
      this.onData(buf, start, end);
    } catch (err) {
      this.failed = asError(err);
    }
  }

  private handBack(unread: Buffer): void {
    const { socket, parse } = this;
    if (!socket || !parse) return;
    this.handedBack = true;
    socket.removeListener('data', this.onSocket);
    socket.on('data', parse);
    parse(unread);
  }

  handleError(err: unknown): void {
    this.failed ??= asError(err);
    this.settle.reject(this.failed);
  }

  handleCommandComplete(): void {
    // The row count is not needed; ReadyForQuery settles.
  }

  handleReadyForQuery(): void {
    if (this.failed) this.settle.reject(this.failed);
    else this.settle.resolve();
  }
}

/**
 * Runs a `COPY … TO STDOUT` statement on the client, handing each CopyData payload to onData;
 * resolves when the command completes, rejects with the server's error (or onData's first throw).
 */
export function copyOut(client: pg.ClientBase, text: string, onData: CopyDataHandler): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    void client.query(new CopyOut(text, onData, { resolve, reject }) as unknown as pg.Submittable);
  });
}
