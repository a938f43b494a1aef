import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ColumnPicker } from './ColumnPicker';
import {
  chosenColumns,
  DEFAULT_COLUMNS,
  toggled,
  useColumns,
  visibleColumns,
  type ColumnId,
} from './columns';
import { renderApp, stubApi } from './testing';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('columns', () => {
  it('when nothing is saved, then the default columns show', () => {
    expect(chosenColumns(undefined)).toEqual(DEFAULT_COLUMNS);
    expect(chosenColumns([])).toEqual(DEFAULT_COLUMNS);
  });

  it('when columns are saved, then unknown names drop, the id stays and the table order holds', () => {
    expect(chosenColumns(['amount', 'nonsense', 'merchant_id'])).toEqual(['id', 'merchant_id', 'amount']);
  });

  it('when a column is toggled, then it is added or removed but the id column never goes', () => {
    expect(toggled(['id', 'amount'], 'merchant_id', true)).toEqual(['id', 'merchant_id', 'amount']);
    expect(toggled(['id', 'merchant_id', 'amount'], 'merchant_id', false)).toEqual(['id', 'amount']);
    expect(toggled(['id', 'amount'], 'id', false)).toEqual(['id', 'amount']);
  });

  it('when on a phone, then only the columns that fit show', () => {
    expect(visibleColumns(DEFAULT_COLUMNS, true)).toEqual(['id', 'created_at', 'amount', 'current_state']);
    expect(visibleColumns(DEFAULT_COLUMNS, false)).toEqual(DEFAULT_COLUMNS);
  });
});

function Picker() {
  const [chosen, setChosen] = useState<ColumnId[]>([...DEFAULT_COLUMNS]);
  return (
    <>
      <ColumnPicker chosen={chosen} phone={false} onChange={setChosen} />
      <output aria-label="chosen">{chosen.join(',')}</output>
    </>
  );
}

function Saved() {
  const c = useColumns();
  return (
    <>
      <ColumnPicker chosen={c.chosen} phone={c.phone} onChange={(next) => void c.setChosen(next)} />
      <output aria-label="visible">{c.visible.join(',')}</output>
    </>
  );
}

describe('ColumnPicker', { timeout: 30_000 }, () => {
  it('when a column is unchecked and checked again, then the choice follows', async () => {
    stubApi('viewer');
    renderApp(<Picker />);
    await userEvent.click(await screen.findByRole('button', { name: 'Columns' }));
    await userEvent.click(screen.getByRole('checkbox', { name: /Merchant/ }));
    expect(screen.getByRole('status', { name: 'chosen' }).textContent).not.toContain('merchant_id');
    await userEvent.click(screen.getByRole('checkbox', { name: /Card/ }));
    expect(screen.getByRole('status', { name: 'chosen' }).textContent).toBe(
      'id,created_at,payer_id,amount,current_state,card_fingerprint,flags',
    );
    await userEvent.click(screen.getByRole('menuitem', { name: 'Reset to default columns' }));
    expect(screen.getByRole('status', { name: 'chosen' }).textContent).toBe(DEFAULT_COLUMNS.join(','));
  });

  it('when the user changes the columns, then they are saved to the preferences of the table', async () => {
    const calls = stubApi('viewer');
    renderApp(<Saved />);
    await userEvent.click(await screen.findByRole('button', { name: 'Columns' }));
    await userEvent.click(screen.getByRole('checkbox', { name: /Payer/ }));
    await waitFor(() => {
      expect(calls.some((c) => c.method === 'PATCH')).toBe(true);
    });
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.url.pathname).toBe('/api/v1/users/me/preferences');
    expect(patch?.body).toEqual({
      tables: {
        payments: { columns: ['id', 'created_at', 'merchant_id', 'amount', 'current_state', 'flags'] },
      },
    });
    await waitFor(() => {
      expect(screen.getByRole('status', { name: 'visible' }).textContent).not.toContain('payer_id');
    });
  });
});
