import type { SQSClient } from '@aws-sdk/client-sqs';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { ApiConfig } from './config.ts';
import type { KeyValueStore } from './kv/index.ts';
import type { Logger } from './observability/logger.ts';

/** What route tables and use cases may use; built once by server.ts. */
export interface ApiDeps {
  readonly config: ApiConfig;
  readonly pool: pg.Pool;
  /** Counters and caches: Redis with REDIS_URL, else this process' own store. */
  readonly kv: KeyValueStore;
  readonly logger: Logger;
  readonly registry: Registry;
  /** SQS client for the ingest endpoint and queue stats; undefined when no queue is configured. */
  readonly sqs: SQSClient | undefined;
  /** Registers work to do when the API shuts down (before the HTTP server closes), e.g. ending streams. */
  readonly onClose?: (fn: () => Promise<void>) => void;
}
