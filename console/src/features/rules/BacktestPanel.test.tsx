import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, renderPage, SESSION, stubApi } from '../../testing';
import { BacktestPanel } from './BacktestPanel';

afterEach(() => {
  vi.unstubAllGlobals();
});

const draft = { condition: { aggregate: 'count', window: '10m', group_by: 'payer_id', op: 'gte', value: 6 } };
const saved = { version: 3, definition: { condition: { ...draft.condition, value: 5 } } };

describe('BacktestPanel', () => {
  it('when one of the two backtests fails to start, then the retry sends both again with the same window under the same keys', async () => {
    const posts: { body: { rule_definition: unknown; from: string; to: string }; key: string | null }[] = [];
    let failSaved = true;
    stubApi({
      'POST /api/v1/auth/refresh': () => json(SESSION),
      'POST /api/v1/rules/backtests': (init) => {
        const body = JSON.parse(init?.body as string) as (typeof posts)[number]['body'];
        posts.push({ body, key: new Headers(init?.headers).get('idempotency-key') });
        const isSaved = JSON.stringify(body.rule_definition) === JSON.stringify(saved.definition);
        if (isSaved && failSaved) {
          failSaved = false;
          return json({ title: 'Service Unavailable', status: 503 }, 503);
        }
        return json({ id: isSaved ? 'job_saved' : 'job_draft', status: 'pending' }, 201);
      },
    });
    renderPage(<BacktestPanel definition={draft} ruleId="rul_1" saved={saved} invalid={false} />, {
      session: true,
    });
    const run = await screen.findByRole('button', { name: 'Run backtest' });
    fireEvent.click(run);
    await screen.findByText(/Could not start the backtest/);
    fireEvent.click(run);
    await waitFor(() => {
      expect(posts).toHaveLength(4);
    });
    const [first, second] = [posts.slice(0, 2), posts.slice(2)];
    const byDefinition = (xs: typeof posts) =>
      [...xs].sort((a, b) => JSON.stringify(a.body).localeCompare(JSON.stringify(b.body)));
    expect(byDefinition(second)).toEqual(byDefinition(first));
    expect(new Set(posts.map((p) => p.key)).size).toBe(2);
    expect(new Set(posts.map((p) => `${p.body.from} ${p.body.to}`)).size).toBe(1);
  });
});
