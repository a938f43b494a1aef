import fc from 'fast-check';
import { Sha256Node } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { signRequest, type Credentials } from './sigv4.ts';
import { jsonProtocolHeaders } from './sqs-hot-path.ts';

/** The SDK's signature of the same request (the headers ours signed, at the same instant). */
interface Signed {
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly credentials: Credentials;
  readonly region: string;
  readonly date: Date;
}

async function sdkAuthorization(r: Signed): Promise<string | undefined> {
  const { url, body, region, date } = r;
  const c = r.credentials;
  const { authorization: _ours, ...sent } = r.headers;
  const signer = new SignatureV4({
    service: 'sqs',
    region,
    credentials: c,
    sha256: Sha256Node,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: sent,
      body,
    },
    { signingDate: date },
  );
  return signed.headers.authorization;
}

describe('signRequest (SigV4)', () => {
  it('when any SQS request is signed, then the signature is the one the SDK signer makes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(
          fc.constantFrom(
            'https://sqs.eu-central-1.amazonaws.com/',
            'http://127.0.0.1:4566',
            'http://sqs.local:9324/',
          ),
          fc.constantFrom('ReceiveMessage', 'DeleteMessageBatch'),
        ),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.record({
          accessKeyId: fc.stringMatching(/^[A-Z0-9]{16,20}$/),
          secretAccessKey: fc.stringMatching(/^[A-Za-z0-9/+]{40}$/),
          sessionToken: fc.option(fc.stringMatching(/^[A-Za-z0-9/+=]{20,200}$/), { nil: undefined }),
        }),
        fc.tuple(
          fc.constantFrom('us-east-1', 'eu-central-1', 'ap-southeast-2'),
          fc.date({
            min: new Date('2020-01-01T00:00:00Z'),
            max: new Date('2035-01-01T00:00:00Z'),
            noInvalidDate: true,
          }),
        ),
        async ([endpoint, action], text, credentials, [region, date]) => {
          const url = new URL(endpoint);
          const body = JSON.stringify({ QueueUrl: `${endpoint}000000000000/q`, text });
          const headers = signRequest({
            url,
            headers: jsonProtocolHeaders(action, body),
            body,
            credentials,
            region,
            service: 'sqs',
            date,
          });
          expect(headers.host).toBe(url.host);
          expect(headers['x-amz-security-token']).toBe(credentials.sessionToken);
          expect(headers.authorization).toBe(
            await sdkAuthorization({ url, headers, body, credentials, region, date }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('when the secret, the region, the body or the day differ, then the signature differs', () => {
    const base = {
      url: new URL('https://sqs.us-east-1.amazonaws.com/'),
      headers: { 'x-amz-target': 'AmazonSQS.ReceiveMessage' },
      body: '{}',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-one' },
      region: 'us-east-1',
      service: 'sqs',
      date: new Date('2026-11-27T10:00:00Z'),
    };
    const sig = (over: Partial<typeof base>): string => signRequest({ ...base, ...over }).authorization ?? '';
    const all = [
      sig({}),
      sig({ credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-two' } }),
      sig({ region: 'eu-west-1' }),
      sig({ body: '{ }' }),
      sig({ date: new Date('2026-11-28T10:00:00Z') }),
    ];
    expect(new Set(all).size).toBe(all.length);
    expect(sig({})).toBe(sig({})); // the cached key gives the same signature again
  });
});
