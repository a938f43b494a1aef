import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { canConnect, freePort, startProcess, waitFor, type Service } from './proc.ts';

/** The queues the product uses; each has a dead-letter queue with a redrive policy. */
export const QUEUES = {
  events: 'payflow-payment-events',
  eventsDlq: 'payflow-payment-events-dlq',
  updates: 'payflow-payment-updates',
  updatesDlq: 'payflow-payment-updates-dlq',
} as const;

export interface QueueUrls {
  events: string;
  eventsDlq: string;
  updates: string;
  updatesDlq: string;
}

export interface SqsInstance {
  readonly endpoint: string;
  readonly region: string;
  readonly queues: QueueUrls;
  readonly service: Service;
}

export function sqsClient(endpoint: string, region = 'us-east-1'): SQSClient {
  return new SQSClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

async function createWithDlq(client: SQSClient, name: string, dlqName: string): Promise<[string, string]> {
  const dlq = await client.send(
    new CreateQueueCommand({ QueueName: dlqName, Attributes: { MessageRetentionPeriod: '1209600' } }),
  );
  const dlqUrl = dlq.QueueUrl ?? '';
  const attrs = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const redrive = JSON.stringify({ deadLetterTargetArn: attrs.Attributes?.QueueArn, maxReceiveCount: 5 });
  const main = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { VisibilityTimeout: '30', ReceiveMessageWaitTimeSeconds: '20', RedrivePolicy: redrive },
    }),
  );
  return [main.QueueUrl ?? '', dlqUrl];
}

/** Creates the product's queues and dead-letter queues on an SQS endpoint. */
export async function createQueues(client: SQSClient): Promise<QueueUrls> {
  const [events, eventsDlq] = await createWithDlq(client, QUEUES.events, QUEUES.eventsDlq);
  const [updates, updatesDlq] = await createWithDlq(client, QUEUES.updates, QUEUES.updatesDlq);
  return { events, eventsDlq, updates, updatesDlq };
}

export interface SqsOptions {
  /** Keep queues and messages in this folder, across restarts (default: in memory). */
  dataDir?: string;
  /** Run in a process group of its own, so Ctrl-C reaches only the parent. */
  detached?: boolean;
}

/** Starts the SQS-compatible endpoint in its own process and creates the queues (if missing). */
export async function startSqs(dir: string, opts: SqsOptions = {}): Promise<SqsInstance> {
  const port = await freePort();
  const service = startProcess({
    name: 'sqs',
    command: process.execPath,
    args: [join(import.meta.dirname, 'sqs-server.ts'), String(port), ...(opts.dataDir ? [opts.dataDir] : [])],
    logFile: join(dir, 'sqs.log'),
    detached: opts.detached ?? false,
  });
  await waitFor('sqs endpoint', async () => canConnect(port), { timeoutMs: 30_000, service });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = sqsClient(endpoint);
  try {
    const queues = await createQueues(client);
    return { endpoint, region: 'us-east-1', queues, service };
  } finally {
    client.destroy();
  }
}
