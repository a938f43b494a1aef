import { loadApiConfig } from './config.ts';
import { startApi } from './server.ts';

const api = await startApi(loadApiConfig());
let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  api.logger.info({ signal }, 'shutting down');
  void api.close().then(() => process.exit(0));
};
process.on('SIGTERM', () => {
  shutdown('SIGTERM');
});
process.on('SIGINT', () => {
  shutdown('SIGINT');
});
