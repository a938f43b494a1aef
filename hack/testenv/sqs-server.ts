// Runs the SQS-compatible endpoint (fauxqs) as its own process, so that the
// product talks to it over HTTP exactly as it would to Amazon SQS. It listens
// on loopback only, and queue URLs carry the address clients used
// (http://127.0.0.1:<port>/000000000000/<name>), which resolves and parses.
// Usage: node hack/testenv/sqs-server.ts <port>
import { buildApp } from 'fauxqs';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: sqs-server.ts <port>');
  process.exit(2);
}
const app = buildApp({ logger: false, defaultRegion: 'us-east-1' });
await app.listen({ port, host: '127.0.0.1' });
console.log(`sqs endpoint listening on http://127.0.0.1:${String(port)}`);
const stop = (): void => {
  void app.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
