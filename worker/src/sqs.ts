import { SQSClient } from '@aws-sdk/client-sqs';

export interface SqsSettings {
  region: string;
  /** An SQS-compatible endpoint (tests, local demo); unset for AWS itself. */
  endpoint?: string | undefined;
}

export function createSqsClient(s: SqsSettings): SQSClient {
  if (!s.endpoint) return new SQSClient({ region: s.region });
  return new SQSClient({
    region: s.region,
    endpoint: s.endpoint,
    // The endpoint's queue URLs carry a host name of its own; always talk to the endpoint given.
    useQueueUrlAsEndpoint: false,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
