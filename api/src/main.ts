import { assertAuthConfigured } from './auth/index.ts';
import { loadApiConfig } from './config.ts';
import { startApi } from './server.ts';

const config = loadApiConfig();
assertAuthConfigured(config);
const api = await startApi(config);
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
