// Runs the SQS-compatible endpoint (fauxqs) as its own process, so that the
// product talks to it over HTTP exactly as it would to Amazon SQS. It listens
// on loopback only, and queue URLs carry the address clients used
// (http://127.0.0.1:<port>/000000000000/<name>), which resolves and parses.
// Usage: node hack/testenv/sqs-server.ts <port> [data-folder]
//
// With a data folder (the local demo), queues and their messages are kept there in SQLite and
// survive a restart. fauxqs offers that only through startFauxqs(), which listens on every
// interface; so the same wiring is done here around buildApp() on loopback, with fauxqs' own
// stores and persistence classes (its package exports only its entry point, so they are imported
// by path from beside it; the version is pinned by the lockfile and the demo's test covers it).
import { buildApp } from 'fauxqs';

const port = Number(process.argv[2]);
const dataDir = process.argv[3];
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: sqs-server.ts <port> [data-folder]');
  process.exit(2);
}

interface Store {
  persistence?: unknown;
  allQueues?: () => { persistence?: unknown }[];
}
interface Persistence {
  load(sqs: Store, sns: Store, s3: Store): void;
  close(): void;
  updateMessageReady(messageId: string): void;
  readonly db: { prepare(sql: string): { run(...args: unknown[]): unknown } };
}
type Ctor<T> = new (...args: unknown[]) => T;

async function internal<T>(file: string, name: string): Promise<Ctor<T>> {
  const mod = (await import(new URL(file, import.meta.resolve('fauxqs')).href)) as Record<string, unknown>;
  const ctor = mod[name];
  if (typeof ctor !== 'function') throw new Error(`fauxqs: ${file} exports no ${name}`);
  return ctor as Ctor<T>;
}

async function persistentStores(dir: string): Promise<{ stores: Record<string, Store>; close: () => void }> {
  const [Persistence, SqsStore, SnsStore, S3Store] = await Promise.all([
    internal<Persistence>('./persistence.js', 'PersistenceManager'),
    internal<Store>('./sqs/sqsStore.js', 'SqsStore'),
    internal<Store>('./sns/snsStore.js', 'SnsStore'),
    internal<Store>('./s3/s3Store.js', 'S3Store'),
  ]);
  const persistence = new Persistence(dir);
  // A message made visible again at once (ChangeMessageVisibility 0: the worker releasing what it
  // holds when it stops) is marked ready by clearing its receipt and deadline. fauxqs clears its
  // receive count with them, which the table declares NOT NULL: the update fails, and the message,
  // already taken out of flight, is lost. Here only the receipt and the deadline are cleared.
  const ready = persistence.db.prepare(
    'UPDATE sqs_messages SET receipt_handle = NULL, visibility_deadline = NULL WHERE message_id = ?',
  );
  persistence.updateMessageReady = (messageId) => {
    ready.run(messageId);
  };
  const sqsStore = new SqsStore();
  const snsStore = new SnsStore();
  const s3Store = new S3Store();
  // Load first, then attach (attaching first would rewrite every row while loading).
  persistence.load(sqsStore, snsStore, s3Store);
  for (const store of [sqsStore, snsStore, s3Store]) store.persistence = persistence;
  for (const queue of sqsStore.allQueues?.() ?? []) queue.persistence = persistence;
  return {
    stores: { sqsStore, snsStore, s3Store },
    close: () => {
      persistence.close();
    },
  };
}

const persisted = dataDir ? await persistentStores(dataDir) : undefined;
const app = buildApp({
  logger: false,
  defaultRegion: 'us-east-1',
  ...(persisted ? { stores: persisted.stores as never } : {}),
});
if (persisted) app.addHook('preClose', persisted.close);
await app.listen({ port, host: '127.0.0.1' });
console.log(
  `sqs endpoint listening on http://127.0.0.1:${String(port)}${dataDir ? `, data in ${dataDir}` : ''}`,
);
const stop = (): void => {
  void app.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
