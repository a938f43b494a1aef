import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsHotPath } from './sqs-hot-path.ts';
import { createSqsClient } from './sqs.ts';

describe('SqsHotPath endpoint', () => {
  it('when the client names an SQS-compatible endpoint, then the hot path talks to it', async () => {
    const client = createSqsClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:4566' });
    expect(await new SqsHotPath(client).endpointUrl()).toBe('http://127.0.0.1:4566/');
  });

  it('when the client names none, then it is the one the SDK resolves for the region and options', async () => {
    const plain = new SQSClient({ region: 'eu-central-1' });
    expect(await new SqsHotPath(plain).endpointUrl()).toBe('https://sqs.eu-central-1.amazonaws.com/');
    const fips = new SQSClient({ region: 'us-east-1', useFipsEndpoint: true });
    expect(await new SqsHotPath(fips).endpointUrl()).toBe('https://sqs-fips.us-east-1.amazonaws.com/');
    const china = new SQSClient({ region: 'cn-north-1' });
    expect(await new SqsHotPath(china).endpointUrl()).toBe('https://sqs.cn-north-1.amazonaws.com.cn/');
  });
});
