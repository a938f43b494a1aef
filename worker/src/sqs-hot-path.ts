// The consumer's two hot calls, ReceiveMessage and DeleteMessageBatch, spoken directly in SQS's
// AWS JSON 1.0 protocol over a keep-alive HTTP agent, signed with AWS Signature Version 4
// (sigv4.ts, checked against the SDK's signer) with the SQS client's own credential provider,
// region and endpoint. Every other
// call (dead-letter sends, visibility changes, queue attributes, redrive) goes through the
// @aws-sdk/client-sqs client as before.
//
// Why: the worker makes one receive and one delete per ten events. Through the SDK's middleware
// stack (endpoint rules, retry strategy, schema-driven serde, user agent) each call cost about
// 0.4 ms of the worker's CPU, the largest single share of it; here a call costs three hashes,
// one JSON.stringify / JSON.parse and the HTTP request.
//
// Same behaviour as the SDK where it matters: a non-2xx answer becomes an error named by the
// service's error type (`QueueDoesNotExist`, …) with the legacy code as `Code` and
// `$metadata.httpStatusCode`; throttling, 5xx and connection failures are retried (up to three
// attempts, jittered backoff), like the SDK's standard retry mode; an aborted receive rejects
// with an AbortError. Messages come back in the SDK's `Message` shape.
import http from 'node:http';
import https from 'node:https';
import type {
  DeleteMessageBatchResultEntry,
  BatchResultErrorEntry,
  Message,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { signRequest } from './sigv4.ts';

export interface ReceiveInput {
  readonly QueueUrl: string;
  readonly MaxNumberOfMessages: number;
  readonly WaitTimeSeconds: number;
  readonly VisibilityTimeout: number;
  readonly MessageSystemAttributeNames?: readonly string[];
  readonly MessageAttributeNames?: readonly string[];
}

export interface DeleteBatchOutput {
  readonly Successful?: DeleteMessageBatchResultEntry[];
  readonly Failed?: BatchResultErrorEntry[];
}

/** An error answered by SQS (or the endpoint), as the SDK names it. */
export class SqsError extends Error {
  readonly $metadata: { httpStatusCode: number };
  readonly retryable: boolean;
  /** The legacy (query protocol) error code, when the service sent one. */
  readonly Code: string | undefined;
  constructor(name: string, message: string, status: number, code?: string) {
    super(message);
    this.name = name;
    this.Code = code;
    this.$metadata = { httpStatusCode: status };
    this.retryable = status >= 500 || status === 429 || /Throttl|RequestThrottled|OverLimit/.test(name);
  }
}

/** The AWS JSON 1.0 protocol's headers for one SQS action (signed with the request). */
export function jsonProtocolHeaders(action: string, body: string): Record<string, string> {
  return {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `AmazonSQS.${action}`,
    'content-length': String(Buffer.byteLength(body)),
  };
}

const RETRIES = 3;
const MAX_BODY_BYTES = 64 * 1024 * 1024;

interface Target {
  readonly url: URL;
  readonly agent: http.Agent;
}

export class SqsHotPath {
  private readonly client: SQSClient;
  private target: Promise<Target> | undefined;
  private region: string | undefined;

  /** Credentials, region and endpoint all come from the client's own configuration. */
  constructor(client: SQSClient) {
    this.client = client;
  }

  async receive(input: ReceiveInput, signal?: AbortSignal): Promise<Message[]> {
    const out = (await this.call('ReceiveMessage', input, signal)) as { Messages?: Message[] } | null;
    return out?.Messages ?? [];
  }

  async deleteBatch(
    queueUrl: string,
    entries: readonly { Id: string; ReceiptHandle: string | undefined }[],
  ): Promise<DeleteBatchOutput> {
    const out = (await this.call('DeleteMessageBatch', {
      QueueUrl: queueUrl,
      Entries: entries,
    })) as DeleteBatchOutput | null;
    return out ?? {};
  }

  close(): void {
    void this.target?.then((t) => {
      t.agent.destroy();
    });
  }

  private async call(action: string, input: unknown, signal?: AbortSignal): Promise<unknown> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(action, body, signal);
      } catch (err) {
        if (signal?.aborted || attempt >= RETRIES || !retryable(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 100 * 2 ** attempt));
      }
    }
  }

  private async once(action: string, body: string, signal?: AbortSignal): Promise<unknown> {
    const target = await this.resolveTarget();
    const signed = await this.sign(target.url, action, body);
    const res = await send(target, signed, body, signal);
    if (res.status >= 200 && res.status < 300)
      return res.text === '' ? null : (JSON.parse(res.text) as unknown);
    throw errorOf(res);
  }

  private async sign(url: URL, action: string, body: string): Promise<Record<string, string>> {
    const c = this.client.config;
    this.region ??= await c.region();
    // The client's memoized provider: the same credentials until they near expiry, then fresh ones.
    const credentials = await c.credentials();
    return signRequest({
      url,
      headers: jsonProtocolHeaders(action, body),
      body,
      credentials,
      region: this.region,
      service: 'sqs',
    });
  }

  private resolveTarget(): Promise<Target> {
    this.target ??= (async () => {
      const url = new URL(await this.endpointUrl());
      const Agent = url.protocol === 'https:' ? https.Agent : http.Agent;
      // One socket per concurrent long poll: no request waits behind another for a socket.
      return { url, agent: new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 }) };
    })().catch((err: unknown) => {
      this.target = undefined; // resolved again on the next call
      throw err;
    });
    return this.target;
  }

  /** The endpoint the client was configured with (an SQS-compatible one), else AWS's own. */
  async endpointUrl(): Promise<string> {
    const configured = this.client.config.endpoint;
    if (!configured) return this.awsEndpoint();
    const e = await configured();
    return `${e.protocol}//${e.hostname}${e.port === undefined ? '' : `:${String(e.port)}`}${e.path}`;
  }

  /** The SQS endpoint the SDK itself would use for this client's region (FIPS, dual-stack). */
  private async awsEndpoint(): Promise<string> {
    const c = this.client.config;
    const resolved = c.endpointProvider({
      Region: await c.region(),
      UseFIPS: await c.useFipsEndpoint(),
      UseDualStack: await c.useDualstackEndpoint(),
    });
    return resolved.url.href;
  }
}

function retryable(err: unknown): boolean {
  if (err instanceof SqsError) return err.retryable;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN)$/.test(code);
}

interface RawResponse {
  readonly status: number;
  readonly text: string;
  readonly queryError: string | undefined;
}

function errorOf(res: RawResponse): SqsError {
  let type = '';
  let message = `SQS answered HTTP ${String(res.status)}`;
  try {
    const parsed = JSON.parse(res.text) as { __type?: unknown; message?: unknown; Message?: unknown };
    if (typeof parsed.__type === 'string') type = parsed.__type;
    const text = parsed.message ?? parsed.Message;
    if (typeof text === 'string') message = text;
  } catch {
    // not JSON: keep the status line
  }
  // "com.amazonaws.sqs#QueueDoesNotExist" names the error, as in the SDK; the query-compatible
  // header carries the legacy code ("AWS.SimpleQueueService.NonExistentQueue;Sender"), as `Code`.
  const bare = type.split('#').pop() ?? '';
  const code = res.queryError?.split(';')[0];
  return new SqsError(bare === '' ? (code ?? `Http${String(res.status)}`) : bare, message, res.status, code);
}

function send(
  target: Target,
  headers: Record<string, string>,
  body: string,
  signal?: AbortSignal,
): Promise<RawResponse> {
  const { url, agent } = target;
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers, ...(signal ? { signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) req.destroy(new Error('SQS response too large'));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        const queryError = res.headers['x-amzn-query-error'];
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
          queryError: Array.isArray(queryError) ? queryError[0] : queryError,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
