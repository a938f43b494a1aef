import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from './config.ts';

const base = {
  DATABASE_URL: 'postgres://payflow@127.0.0.1:5432/payflow',
  SQS_EVENTS_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/events',
  SQS_EVENTS_DLQ_URL: 'http://127.0.0.1:4566/000000000000/events-dlq',
};

describe('the double-apply test fault', () => {
  it('when NODE_ENV is not test, then the worker refuses to start, naming the variable', () => {
    for (const NODE_ENV of ['production', undefined, 'development']) {
      expect(() => loadWorkerConfig({ ...base, NODE_ENV, PAYFLOW_WORKER_FAULT: 'double-apply' })).toThrow(
        /PAYFLOW_WORKER_FAULT: double-apply is a test-only fault \(NODE_ENV is \w+, not test\)/,
      );
    }
  });

  it('when the database is not on loopback, then it refuses even in a test run', () => {
    expect(() =>
      loadWorkerConfig({
        ...base,
        DATABASE_URL: 'postgres://payflow@db.internal:5432/payflow',
        NODE_ENV: 'test',
        PAYFLOW_WORKER_FAULT: 'double-apply',
      }),
    ).toThrow(/DATABASE_URL's host db\.internal is not loopback/);
  });

  it('when a test runs against a loopback database, then the fault is on; the crash points need neither', () => {
    expect(
      loadWorkerConfig({ ...base, NODE_ENV: 'test', PAYFLOW_WORKER_FAULT: 'double-apply' })
        .PAYFLOW_WORKER_FAULT,
    ).toBe('double-apply');
    expect(loadWorkerConfig({ ...base, PAYFLOW_WORKER_FAULT: 'after-commit' }).PAYFLOW_WORKER_FAULT).toBe(
      'after-commit',
    );
    expect(loadWorkerConfig(base).PAYFLOW_WORKER_FAULT).toBeUndefined();
  });
});
