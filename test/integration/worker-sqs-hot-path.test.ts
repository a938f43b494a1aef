// The worker's lean ReceiveMessage / DeleteMessageBatch path (worker/src/sqs-hot-path.ts):
// against the real SQS-compatible endpoint it must answer what the SDK answers, and against a
// server that checks AWS Signature Version 4 every request must carry a signature over exactly
// the bytes sent (host, target, body), made with the client's credentials, region and service.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { Sha256Node } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsError, SqsHotPath } from '../../worker/src/sqs-hot-path.ts';
import { createSqsClient } from '../../worker/src/sqs.ts';
import { testenv } from '../support/env.ts';
import { createTestQueues } from './worker-support.ts';

const RECEIVE = {
  MaxNumberOfMessages: 10,
  WaitTimeSeconds: 1,
  VisibilityTimeout: 30,
  MessageSystemAttributeNames: [
    'ApproximateReceiveCount',
    'ApproximateFirstReceiveTimestamp',
    'SentTimestamp',
  ],
  MessageAttributeNames: ['All'],
};

describe('SQS hot path against the SQS endpoint', () => {
  const env = testenv();
  const client = createSqsClient({ region: env.sqs.region, endpoint: env.sqs.endpoint });
  const hot = new SqsHotPath(client);
  afterAll(() => {
    hot.close();
    client.destroy();
  });

  async function depth(queueUrl: string): Promise<[number, number]> {
    const out = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return [
      Number(out.Attributes?.ApproximateNumberOfMessages),
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible),
    ];
  }

  it('when messages wait, then it receives them in the SDK shape and deletes them in a batch', async () => {
    const { events } = await createTestQueues(client);
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: events,
        Entries: Array.from({ length: 3 }, (_, i) => ({
          Id: String(i),
          MessageBody: JSON.stringify({ n: i, text: 'ünïcode ✓' }),
          MessageAttributes: { reason: { DataType: 'String', StringValue: `r${String(i)}` } },
        })),
      }),
    );
    const got: Message[] = [];
    for (let i = 0; i < 10 && got.length < 3; i++)
      got.push(...(await hot.receive({ QueueUrl: events, ...RECEIVE })));
    expect(
      got
        .map((m) => JSON.parse(m.Body ?? '') as unknown)
        .sort((a, b) => (a as { n: number }).n - (b as { n: number }).n),
    ).toEqual([0, 1, 2].map((n) => ({ n, text: 'ünïcode ✓' })));
    for (const m of got) {
      expect(m.MessageId).toMatch(/\S/);
      expect(m.ReceiptHandle).toMatch(/\S/);
      expect(m.Attributes?.ApproximateReceiveCount).toBe('1');
      expect(Number(m.Attributes?.ApproximateFirstReceiveTimestamp)).toBeGreaterThan(0);
      expect(m.MessageAttributes?.reason?.StringValue).toMatch(/^r\d$/);
    }
    expect(await depth(events)).toEqual([0, 3]);
    const out = await hot.deleteBatch(
      events,
      got.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
    );
    expect(out.Successful).toHaveLength(3);
    expect(out.Failed ?? []).toEqual([]);
    expect(await depth(events)).toEqual([0, 0]);
    // And the SDK agrees nothing is left.
    const after = await client.send(new ReceiveMessageCommand({ QueueUrl: events, WaitTimeSeconds: 0 }));
    expect(after.Messages ?? []).toEqual([]);
  });

  it('when a batch delete mixes good and unknown receipt handles, then it answers as the SDK does', async () => {
    const answers = [];
    for (const via of ['hot', 'sdk'] as const) {
      const { events } = await createTestQueues(client);
      await client.send(
        new SendMessageBatchCommand({ QueueUrl: events, Entries: [{ Id: '0', MessageBody: '{"a":1}' }] }),
      );
      const [m] = await hot.receive({ QueueUrl: events, ...RECEIVE });
      const entries = [
        { Id: 'good', ReceiptHandle: m?.ReceiptHandle },
        { Id: 'unknown', ReceiptHandle: 'not-a-receipt-handle' },
      ];
      const out =
        via === 'hot'
          ? await hot.deleteBatch(events, entries)
          : await client.send(new DeleteMessageBatchCommand({ QueueUrl: events, Entries: entries }));
      answers.push({
        ok: (out.Successful ?? []).map((x) => x.Id),
        failed: (out.Failed ?? []).map((x) => x.Id),
        left: await depth(events),
      });
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]?.ok).toContain('good');
    expect(answers[0]?.left).toEqual([0, 0]);
  });

  it('when the queue does not exist, then the error is named as the SDK names it, with the status', async () => {
    const missing = env.sqs.queues.events.replace(/[^/]+$/, 'no-such-queue-hot-path');
    const viaSdk = await client
      .send(new ReceiveMessageCommand({ QueueUrl: missing }))
      .catch((e: unknown) => e);
    const viaHot = await hot.receive({ QueueUrl: missing, ...RECEIVE }).catch((e: unknown) => e);
    expect(viaHot).toBeInstanceOf(SqsError);
    expect((viaHot as SqsError).name).toBe((viaSdk as Error).name);
    expect((viaHot as SqsError).Code).toBe((viaSdk as { Code?: string }).Code);
    expect((viaHot as SqsError).$metadata.httpStatusCode).toBe(400);
    expect((viaHot as SqsError).retryable).toBe(false);
  });

  it('when a long poll is aborted, then it rejects at once', async () => {
    const { events } = await createTestQueues(client);
    const abort = new AbortController();
    const polling = hot.receive({ QueueUrl: events, ...RECEIVE, WaitTimeSeconds: 20 }, abort.signal);
    const started = Date.now();
    setTimeout(() => {
      abort.abort();
    }, 100);
    await expect(polling).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

/** A server that checks SigV4 on every request the way SQS does, then answers as told. */
class SigningServer {
  readonly seen: { target: string; body: string; verified: boolean; token: string | undefined }[] = [];
  answers: { status: number; body: unknown }[] = [];
  private readonly server = http.createServer((req, res) => {
    void this.handle(req, res);
  });

  private readonly secret: string;
  private readonly region: string;

  constructor(secret: string, region: string) {
    this.secret = secret;
    this.region = region;
  }

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${String((this.server.address() as AddressInfo).port)}`;
  }

  close(): void {
    this.server.close();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const verified = await this.verify(req, body);
    const token = req.headers['x-amz-security-token'];
    this.seen.push({
      target: String(req.headers['x-amz-target']),
      body,
      verified,
      token: token as string | undefined,
    });
    const answer = verified
      ? (this.answers.shift() ?? { status: 200, body: {} })
      : { status: 403, body: { __type: 'com.amazonaws.sqs#InvalidSignature', message: 'bad signature' } };
    res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(answer.body));
  }

  /** Recomputes the signature over the headers it names, the path and the body as received. */
  private async verify(req: http.IncomingMessage, body: string): Promise<boolean> {
    const auth = req.headers.authorization ?? '';
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (!m) return false;
    const [, accessKey, , region, service, signedHeaders = ''] = m;
    if (region !== this.region || service !== 'sqs') return false;
    const headers: Record<string, string> = {};
    for (const name of signedHeaders.split(';')) headers[name] = String(req.headers[name] ?? '');
    const amzDate = headers['x-amz-date'] ?? '';
    const date = new Date(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    const signer = new SignatureV4({
      service: 'sqs',
      region: this.region,
      credentials: {
        accessKeyId: accessKey ?? '',
        secretAccessKey: this.secret,
        ...(headers['x-amz-security-token'] ? { sessionToken: headers['x-amz-security-token'] } : {}),
      },
      sha256: Sha256Node,
      // Only what the client signed: the server must not add a payload-hash header of its own.
      applyChecksum: false,
    });
    const [hostname = '', port] = (headers.host ?? '').split(':');
    const again = await signer.sign(
      {
        method: req.method ?? '',
        protocol: 'http:',
        hostname,
        ...(port ? { port: Number(port) } : {}),
        path: req.url ?? '/',
        query: {},
        headers,
        body,
      },
      { signingDate: date },
    );
    return again.headers.authorization === auth;
  }
}

describe('SQS hot path signing and retries', () => {
  const server = new SigningServer('s3cr3t/key+value', 'eu-central-1');
  let endpoint = '';
  beforeAll(async () => {
    endpoint = await server.start();
  });
  afterAll(() => {
    server.close();
  });

  const clientWith = (secret: string, sessionToken?: string): SQSClient =>
    new SQSClient({
      region: 'eu-central-1',
      endpoint,
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: secret,
        ...(sessionToken ? { sessionToken } : {}),
      },
    });

  it('when it calls SQS, then each request carries a valid SigV4 signature over what was sent', async () => {
    const client = clientWith('s3cr3t/key+value', 'session-token-1');
    const hot = new SqsHotPath(client);
    server.answers = [
      { status: 200, body: { Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: '{"é":"✓"}' }] } },
      { status: 200, body: { Successful: [{ Id: '0' }] } },
    ];
    const got = await hot.receive({ QueueUrl: `${endpoint}/000000000000/q`, ...RECEIVE });
    expect(got).toEqual([{ MessageId: 'm1', ReceiptHandle: 'r1', Body: '{"é":"✓"}' }]);
    const del = await hot.deleteBatch(`${endpoint}/000000000000/q`, [{ Id: '0', ReceiptHandle: 'r1 + ünï' }]);
    expect(del.Successful).toEqual([{ Id: '0' }]);
    const [r, d] = server.seen.slice(-2);
    expect(r).toMatchObject({ target: 'AmazonSQS.ReceiveMessage', verified: true, token: 'session-token-1' });
    expect(JSON.parse(r?.body ?? '')).toMatchObject({
      QueueUrl: `${endpoint}/000000000000/q`,
      MaxNumberOfMessages: 10,
    });
    expect(d).toMatchObject({ target: 'AmazonSQS.DeleteMessageBatch', verified: true });
    expect(JSON.parse(d?.body ?? '')).toEqual({
      QueueUrl: `${endpoint}/000000000000/q`,
      Entries: [{ Id: '0', ReceiptHandle: 'r1 + ünï' }],
    });
    hot.close();
    client.destroy();
  });

  it('when the signing secret is wrong, then the server refuses it and the call fails without retrying', async () => {
    const client = clientWith('wrong-secret');
    const hot = new SqsHotPath(client);
    const before = server.seen.length;
    const err = await hot.receive({ QueueUrl: `${endpoint}/q`, ...RECEIVE }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InvalidSignature', $metadata: { httpStatusCode: 403 } });
    expect(server.seen.length - before).toBe(1);
    expect(server.seen.at(-1)?.verified).toBe(false);
    hot.close();
    client.destroy();
  });

  it('when SQS throttles or fails with 5xx, then the call is retried; a 4xx is not', async () => {
    const client = clientWith('s3cr3t/key+value');
    const hot = new SqsHotPath(client);
    server.answers = [
      { status: 400, body: { __type: 'com.amazonaws.sqs#ThrottlingException', message: 'slow down' } },
      { status: 500, body: { __type: 'com.amazonaws.sqs#InternalError', message: 'oops' } },
      { status: 200, body: { Successful: [{ Id: '0' }] } },
    ];
    const before = server.seen.length;
    const out = await hot.deleteBatch(`${endpoint}/q`, [{ Id: '0', ReceiptHandle: 'r' }]);
    expect(out.Successful).toEqual([{ Id: '0' }]);
    expect(server.seen.length - before).toBe(3);
    server.answers = [
      { status: 400, body: { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'no' } },
    ];
    await expect(hot.deleteBatch(`${endpoint}/q`, [{ Id: '0', ReceiptHandle: 'r' }])).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'no',
    });
    expect(server.seen.length - before).toBe(4);
    hot.close();
    client.destroy();
  });
});
