// npm run env:up   — starts the test environment in the foreground and prints
//                    how to reach it; Ctrl-C (or npm run env:down) stops it.
// npm run env:down — stops an environment started by env:up.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestEnv } from './index.ts';

const stateDir = join(import.meta.dirname, '..', '..', '.tmp');
const stateFile = join(stateDir, 'testenv.json');

async function up(): Promise<void> {
  const started = Date.now();
  const env = await startTestEnv({
    log: (m) => {
      console.log(m);
    },
  });
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(stateFile, JSON.stringify({ pid: process.pid, ...env.info }, null, 2));
  const i = env.info;
  console.log(`test environment up in ${String(Math.round((Date.now() - started) / 1000))} s (state: ${stateFile})
  export DATABASE_URL=${i.postgres.url}
  export REDIS_URL=${i.redis.url}
  export SQS_ENDPOINT=${i.sqs.endpoint}
  export SQS_EVENTS_QUEUE_URL=${i.sqs.queues.events}
  export SQS_EVENTS_DLQ_URL=${i.sqs.queues.eventsDlq}
  export SQS_UPDATES_QUEUE_URL=${i.sqs.queues.updates}
  export KUBECONFIG=${i.kube?.kubeconfig ?? ''}
Ctrl-C or \`npm run env:down\` stops it.`);
  const stop = (): void => {
    void env.stop().finally(() => {
      rmSync(stateFile, { force: true });
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function down(): void {
  if (!existsSync(stateFile)) {
    console.log('no test environment is running');
    return;
  }
  const { pid } = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number };
  try {
    process.kill(pid, 'SIGTERM');
    console.log(`stopping test environment (pid ${String(pid)})`);
  } catch {
    console.log('the test environment was already gone');
    rmSync(stateFile, { force: true });
  }
}

const cmd = process.argv[2];
if (cmd === 'up') await up();
else if (cmd === 'down') down();
else {
  console.error('usage: cli.ts up|down');
  process.exit(2);
}
