// Process entry: `node worker/src/main.ts` runs the event consumer (and the outbox relay).
import { loadWorkerConfig } from './config.ts';
import { startWorker } from './app.ts';

const running = await startWorker(loadWorkerConfig());
let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  running.logger.info({ signal }, 'shutting down');
  running.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      running.logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => {
  shutdown('SIGTERM');
});
process.on('SIGINT', () => {
  shutdown('SIGINT');
});
