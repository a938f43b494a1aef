// The consumer's two hot calls, ReceiveMessage and DeleteMessageBatch, spoken directly in SQS's
// AWS JSON 1.0 protocol over a keep-alive HTTP agent, signed by the SDK's own SigV4 signer
// (@smithy/signature-v4) with the SQS client's own credentials, region and endpoint. Every other
// call (dead-letter sends, visibility changes, queue attributes, redrive) goes through the
// @aws-sdk/client-sqs client as before.
//
// Why: the worker makes one receive and one delete per ten events. Through the SDK's middleware
// stack (endpoint rules, retry strategy, schema-driven serde, user agent) each call cost about
// 0.4 ms of the worker's CPU, the largest single share of it; here a call costs the signature,
// one JSON.stringify / JSON.parse and the HTTP request.
//
// Same behaviour as the SDK where it matters: a non-2xx answer becomes an error named by the
// service's error type (`QueueDoesNotExist`, …) with the legacy code as `Code` and
// `$metadata.httpStatusCode`; throttling, 5xx and connection failures are retried (up to three
// attempts, jittered backoff), like the SDK's standard retry mode; an aborted receive rejects
// with an AbortError. Messages come back in the SDK's `Message` shape.
import { createHash, createHmac, type BinaryLike } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type {
  DeleteMessageBatchResultEntry,
  BatchResultErrorEntry,
  Message,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SignatureV4 } from '@smithy/signature-v4';

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

/** SHA-256 and HMAC-SHA-256 for the signer, from node:crypto. */
class NodeSha256 {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  private readonly secret: BinaryLike | undefined;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined ? undefined : toBinary(secret);
    this.hash = this.fresh();
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBinary(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): ReturnType<typeof createHash> | ReturnType<typeof createHmac> {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

function toBinary(data: string | ArrayBuffer | ArrayBufferView): BinaryLike {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

const RETRIES = 3;
const MAX_BODY_BYTES = 64 * 1024 * 1024;

interface Target {
  readonly url: URL;
  readonly agent: http.Agent;
}

export class SqsHotPath {
  private readonly client: SQSClient;
  private readonly endpoint: string | undefined;
  private target: Promise<Target> | undefined;
  private signer: SignatureV4 | undefined;

  /** `endpoint`: the SQS-compatible endpoint the client was made with; unset for AWS itself. */
  constructor(client: SQSClient, endpoint?: string) {
    this.client = client;
    this.endpoint = endpoint;
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
    this.signer ??= new SignatureV4({
      service: 'sqs',
      region: await this.client.config.region(),
      credentials: this.client.config.credentials,
      sha256: NodeSha256,
      uriEscapePath: true,
      applyChecksum: true,
    });
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `AmazonSQS.${action}`,
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    });
    return signed.headers;
  }

  private resolveTarget(): Promise<Target> {
    this.target ??= (async () => {
      const url = new URL(this.endpoint ?? (await this.awsEndpoint()));
      const Agent = url.protocol === 'https:' ? https.Agent : http.Agent;
      // One socket per concurrent long poll: no request waits behind another for a socket.
      return { url, agent: new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 }) };
    })();
    return this.target;
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
