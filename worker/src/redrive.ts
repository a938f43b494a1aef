// `payflow-worker redrive`: moves messages from the dead-letter queue back to the source queue
// (body and attributes intact, plus how many times it was redriven), deleting each from the DLQ
// only after it was sent. A redriven event that was rejected before is decided again. The logic
// lives in `@payflow/api/dlq`, shared with the API's redrive endpoint.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { redriveDeadLetters, type RedriveResult } from '@payflow/api/dlq';

export interface RedriveOptions {
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
  readonly queueUrl: string;
  /** Stop after this many messages (default: until the DLQ is empty). */
  readonly max?: number | undefined;
  /** Only these DLQ message ids. */
  readonly messageIds?: readonly string[] | undefined;
}

/** Redrives and answers what moved. */
export async function redriveMessages(o: RedriveOptions): Promise<RedriveResult> {
  return redriveDeadLetters(o);
}

/** Redrives and answers how many messages moved. */
export async function redrive(o: RedriveOptions): Promise<number> {
  return (await redriveDeadLetters(o)).moved;
}
