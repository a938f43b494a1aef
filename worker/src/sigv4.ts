// AWS Signature Version 4 for the worker's SQS hot path (POST of a JSON body to the endpoint's
// root), with the derived signing key cached per day, region, service and secret. The SDK's
// signer derives it and makes four to six hash objects on every request; this makes three
// (body, canonical request, signature). The unit tests check every signature against the
// SDK's own signer (@smithy/signature-v4) for the same request.
import { createHash, createHmac } from 'node:crypto';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface SignInput {
  /** The endpoint's URL; requests go to its path. */
  readonly url: URL;
  /** Headers to send and sign besides host, x-amz-date and x-amz-security-token (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly credentials: Credentials;
  readonly region: string;
  readonly service: string;
  readonly date?: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();

/** 20261127T021000Z */
function amzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

const keys = new Map<string, Buffer>();

function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  const id = `${day}/${region}/${service}/${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
    // A new day (or rotated credentials) makes a new key; the old ones are of no further use.
    if (keys.size >= 16) keys.clear();
    keys.set(id, key);
  }
  return key;
}

/** Trims and collapses inner runs of spaces, as SigV4's canonical headers require. */
const canonicalValue = (v: string): string => v.trim().replace(/\s+/g, ' ');

/** The headers to send: the input's, plus host, x-amz-date, x-amz-security-token and authorization. */
export function signRequest(input: SignInput): Record<string, string> {
  const when = amzDate(input.date ?? new Date());
  const day = when.slice(0, 8);
  const c = input.credentials;
  const headers: Record<string, string> = {
    ...input.headers,
    host: input.url.host,
    'x-amz-date': when,
    ...(c.sessionToken ? { 'x-amz-security-token': c.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const canonical = [
    'POST',
    input.url.pathname || '/',
    '',
    names.map((n) => `${n}:${canonicalValue(headers[n] ?? '')}\n`).join(''),
    signedHeaders,
    sha256Hex(input.body),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = `${ALGORITHM}\n${when}\n${scope}\n${sha256Hex(canonical)}`;
  const signature = createHmac('sha256', signingKey(c.secretAccessKey, day, input.region, input.service))
    .update(toSign, 'utf8')
    .digest('hex');
  headers.authorization = `${ALGORITHM} Credential=${c.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
