// Runs the SQS-compatible endpoint (fauxqs) as its own process, so that the
// product talks to it over HTTP exactly as it would to Amazon SQS.
// Usage: node hack/testenv/sqs-server.ts <port>
import { startFauxqs } from 'fauxqs';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: sqs-server.ts <port>');
  process.exit(2);
}
const server = await startFauxqs({ port, host: '127.0.0.1', logger: false, defaultRegion: 'us-east-1' });
console.log(`sqs endpoint listening on http://127.0.0.1:${port}`);
const stop = (): void => {
  void server.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
