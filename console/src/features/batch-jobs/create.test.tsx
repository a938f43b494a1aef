import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, renderPage, stubApi } from '../../testing';
import { bodyOf, CreateJobModal, newDraft } from './CreateJobModal';
import { jobRate, rateText, secondsLeft } from './progress';
import { ownerOf } from './types';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('new batch job form', () => {
  it('when the type changes, then the body carries only that type’s parameters', () => {
    const d = { ...newDraft(new Date('2026-03-10T12:00:00Z')), merchantId: 'MERC-1', ruleId: 'rul_1' };
    const exp = bodyOf({ ...d, type: 'export', format: 'jsonl' });
    expect(exp).toMatchObject({
      type: 'export',
      parameters: { format: 'jsonl', merchant_id: 'MERC-1', chunk_size: 500 },
    });
    expect(exp.parameters).not.toHaveProperty('rule_id');
    const bt = bodyOf({ ...d, type: 'backtest' });
    expect(bt.parameters).toMatchObject({ rule_id: 'rul_1' });
    expect(bt.parameters).not.toHaveProperty('merchant_id');
    expect(bodyOf({ ...d, type: 'replay', dryRun: true }).parameters).toMatchObject({ dry_run: true });
    expect(bodyOf({ ...d, type: 'backfill', name: '  nightly ' })).toMatchObject({ name: 'nightly' });
  });

  it('when the API rejects a parameter, then its message shows under the field it names', async () => {
    const calls = stubApi({
      'POST /api/v1/batch-jobs': () =>
        json(
          {
            title: 'Invalid input',
            status: 400,
            errors: [{ field: 'parameters.to', message: 'must be after from' }],
          },
          400,
        ),
    });
    renderPage(<CreateJobModal onClose={() => undefined} />);
    await userEvent.click(screen.getByRole('button', { name: 'Start job' }));
    expect(await screen.findByText('must be after from')).toBeTruthy();
    const [, init] = calls.mock.calls.find(([, i]) => i?.method === 'POST') ?? [];
    expect(JSON.parse(init?.body as string)).toMatchObject({ type: 'export', parameters: { format: 'csv' } });
    expect(new Headers(init?.headers).get('idempotency-key')).toBeTruthy();
  });
});

describe('rate and owner', () => {
  const job = {
    processed: 900,
    failed: 100,
    total: 4000,
    progress: 0.25,
    status: 'running',
    started_at: '2026-01-01T00:00:00Z',
    completed_at: null,
  };
  it('when a job runs, then its rate is items per second since it started and the time left follows', () => {
    const now = Date.parse('2026-01-01T00:00:10Z');
    expect(jobRate(job, now)).toBe(100);
    expect(rateText(jobRate(job, now))).toBe('100 / s');
    expect(secondsLeft(job, now)).toBe(30);
    expect(jobRate({ ...job, started_at: null }, now)).toBeUndefined();
    expect(
      secondsLeft({ ...job, status: 'succeeded', completed_at: '2026-01-01T00:00:20Z' }, now),
    ).toBeUndefined();
  });

  it('when a job belongs to a BatchJob resource, then the resource is named as its owner', () => {
    expect(ownerOf({ source: 'kubernetes', name: 'ns/nightly', created_by: 'payflow-controller' })).toBe(
      'BatchJob ns/nightly',
    );
    expect(ownerOf({ source: 'api', name: 'x', created_by: 'usr_1', created_by_name: 'Olga' })).toBe('Olga');
  });
});
