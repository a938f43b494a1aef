import { SQSClient } from '@aws-sdk/client-sqs';

export interface SqsSettings {
  region: string;
  /** An SQS-compatible endpoint (tests, local demo); unset for AWS itself. */
  endpoint?: string | undefined;
}

// md5: false — the SDK would hash every received body and sent entry to compare it with the
// MD5 the service returns: a transport integrity check that TLS (and TCP) already make, and a
// measurable share of the worker's CPU. A corrupted body would still fail the event schema.
export function createSqsClient(s: SqsSettings): SQSClient {
  if (!s.endpoint) return new SQSClient({ region: s.region, md5: false });
  return new SQSClient({
    region: s.region,
    md5: false,
    endpoint: s.endpoint,
    // The endpoint's queue URLs carry a host name of its own; always talk to the endpoint given.
    useQueueUrlAsEndpoint: false,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
