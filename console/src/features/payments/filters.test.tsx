import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  clearedFilters,
  filterIssues,
  filterPatch,
  isoToLocalInput,
  listQuery,
  localInputToIso,
} from './filters';
import PaymentsPage from './PaymentsPage';
import { payment, renderApp, stubApi } from './testing';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('filter ⇄ URL', () => {
  it('when the URL holds filters, then the list query carries them as the API names them', () => {
    expect(
      listQuery({
        merchant_id: 'acme',
        state: 'authorized,captured',
        currency: 'EUR',
        amount_min: '10',
        created_from: '2026-12-01T00:00:00.000Z',
        sort: '-amount',
        limit: '20',
        cursor: 'abc',
      }),
    ).toEqual({
      q: undefined,
      merchant_id: 'acme',
      payer_id: undefined,
      state: ['authorized', 'captured'],
      currency: 'EUR',
      amount_min: '10',
      amount_max: undefined,
      created_from: '2026-12-01T00:00:00.000Z',
      created_to: undefined,
      sort: '-amount',
      limit: 20,
      cursor: 'abc',
      include_total: true,
    });
  });

  it('when the URL has an unknown sort or page size, then the defaults apply', () => {
    expect(listQuery({ sort: 'bogus', limit: '7' })).toMatchObject({ sort: '-created_at', limit: 50 });
  });

  it('when a filter changes or all are cleared, then paging starts again and sort stays', () => {
    expect(filterPatch({ merchant_id: 'x' })).toEqual({
      merchant_id: 'x',
      cursor: undefined,
      page: undefined,
    });
    const cleared = clearedFilters();
    expect(Object.keys(cleared)).toContain('state');
    expect(Object.keys(cleared)).not.toContain('sort');
    expect(Object.keys(cleared)).not.toContain('limit');
  });

  it('when an amount has no currency or min > max, then the field says what is wrong', () => {
    expect(filterIssues({ amount_min: '10' }).amount_min).toBe('Choose a currency to filter by amount.');
    expect(filterIssues({ amount_min: '10', amount_max: '9.99', currency: 'EUR' }).amount_max).toMatch(
      /less than/,
    );
    expect(filterIssues({ amount_min: '10.00', amount_max: '10', currency: 'EUR' })).toEqual({});
    expect(filterIssues({ amount_min: '1.5', currency: 'JPY' }).amount_min).toMatch(/JPY has no minor units/);
    expect(filterIssues({ amount_max: 'ten', currency: 'EUR' }).amount_max).toMatch(/Enter a number/);
  });

  it('when the time range is reversed, then Created to says so', () => {
    expect(
      filterIssues({ created_from: '2026-12-02T00:00:00.000Z', created_to: '2026-12-01T00:00:00.000Z' })
        .created_to,
    ).toMatch(/after Created from/);
  });

  it('when a time is typed in a time zone, then the URL holds the same instant in UTC and back', () => {
    expect(localInputToIso('2026-01-15T09:30', 'Europe/Paris')).toBe('2026-01-15T08:30:00.000Z');
    expect(localInputToIso('2026-07-15T09:30', 'Europe/Paris')).toBe('2026-07-15T07:30:00.000Z');
    expect(localInputToIso('2026-07-15T09:30', 'UTC')).toBe('2026-07-15T09:30:00.000Z');
    expect(isoToLocalInput('2026-07-15T07:30:00.000Z', 'Europe/Paris')).toBe('2026-07-15T09:30');
    expect(localInputToIso('2026-07-15', 'UTC')).toBeUndefined();
  });
});

function list(data = [payment()]) {
  return { data, pagination: { limit: 50, offset: 0, total: 12000, total_exact: false, next_cursor: 'c2' } };
}

describe('PaymentsPage filters', { timeout: 30_000 }, () => {
  it('when opened from a shared link, then the request, the labels and the count follow the URL', async () => {
    const calls = stubApi('viewer', { 'GET /api/v1/transactions': () => list() });
    renderApp(<PaymentsPage />, '/payments?merchant_id=acme&payer_id=payer_1&q=pay_');
    expect(await screen.findByRole('link', { name: 'pay_1' }, { timeout: 15_000 })).toBeDefined();
    const req = calls.find((c) => c.url.pathname === '/api/v1/transactions');
    expect(req?.url.searchParams.get('merchant_id')).toBe('acme');
    expect(req?.url.searchParams.get('payer_id')).toBe('payer_1');
    expect(req?.url.searchParams.get('q')).toBe('pay_');
    expect(screen.getByText('Showing 1 – 1 of 12,000+')).toBeDefined();
    await userEvent.click(screen.getByRole('button', { name: 'Clear all filters' }));
    await waitFor(() => {
      expect(screen.getByRole('status', { name: 'location' }).textContent).toBe('/payments');
    });
  });

  it('when a merchant is typed and Enter pressed, then its rows are asked for once, with the URL', async () => {
    const calls = stubApi('viewer', { 'GET /api/v1/transactions': () => list() });
    renderApp(<PaymentsPage />, '/payments');
    await screen.findByRole('link', { name: 'pay_1' }, { timeout: 15_000 });
    await userEvent.type(screen.getByRole('textbox', { name: 'Merchant' }), 'acme{Enter}');
    await waitFor(() => {
      expect(screen.getByRole('status', { name: 'location' }).textContent).toBe('/payments?merchant_id=acme');
    });
    // The request started on Enter and the page's own query share one key: no second request.
    await waitFor(() => {
      expect(screen.getByRole('table', { name: 'Payments' }).getAttribute('aria-busy')).toBe('false');
    });
    const asked = calls.filter(
      (c) => c.url.pathname === '/api/v1/transactions' && c.url.searchParams.get('merchant_id') === 'acme',
    );
    expect(asked).toHaveLength(1);
  });

  it('when an amount is typed without a currency, then it says so beside the field and asks nothing', async () => {
    const calls = stubApi('viewer', { 'GET /api/v1/transactions': () => list() });
    renderApp(<PaymentsPage />, '/payments');
    await userEvent.type(await screen.findByRole('textbox', { name: 'Minimum amount' }), '10{Enter}');
    expect(
      (await screen.findAllByText('Choose a currency to filter by amount.', {}, { timeout: 15_000 })).length,
    ).toBeGreaterThan(0);
    expect(screen.getByRole('status', { name: 'location' }).textContent).toBe('/payments?amount_min=10');
    expect(calls.some((c) => c.url.searchParams.has('amount_min'))).toBe(false);
  });

  it('when the API refuses a filter, then its message shows beside the field', async () => {
    stubApi('viewer', {
      'GET /api/v1/transactions': () =>
        new Response(
          JSON.stringify({
            title: 'Validation failed',
            status: 400,
            errors: [{ field: 'merchant_id', message: 'must be at most 64 characters' }],
          }),
          { status: 400 },
        ),
    });
    renderApp(<PaymentsPage />, '/payments?merchant_id=x');
    expect(
      (await screen.findAllByText(/Must be at most 64 characters/, {}, { timeout: 15_000 })).length,
    ).toBeGreaterThan(0);
  });

  it('when Next and Previous are pressed, then the cursor goes into the URL and comes back out', async () => {
    stubApi('viewer', { 'GET /api/v1/transactions': () => list() });
    renderApp(<PaymentsPage />, '/payments');
    await screen.findByRole('link', { name: 'pay_1' }, { timeout: 15_000 });
    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => {
      expect(screen.getByRole('status', { name: 'location' }).textContent).toBe('/payments?cursor=c2&page=2');
    });
    expect(await screen.findByText('Showing 51 – 51 of 12,000+')).toBeDefined();
    await userEvent.click(screen.getByRole('button', { name: 'Previous page' }));
    await waitFor(() => {
      expect(screen.getByRole('status', { name: 'location' }).textContent).toBe('/payments');
    });
  });
});
