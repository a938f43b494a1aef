import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useMemo } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useUrlState } from '../../lib/url-state';
import {
  filterOf,
  isUnfiltered,
  listQuery,
  paramsOf,
  queueSearch,
  URL_PARAMS,
  type UrlValues,
} from './filters';
import { FilterToolbar } from './FilterToolbar';
import { Providers, stubApi } from './testing';
import { useFilterUpdate } from './useFilterUpdate';

const empty: UrlValues = {
  status: '',
  severity: '',
  rule: '',
  assignee: '',
  q: '',
  sort: '',
  page: '',
  per_page: '',
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('filters ⇄ URL', () => {
  it('when the URL has no filter, then the queue is open and acknowledged alerts, newest first, 20 a page', () => {
    expect(isUnfiltered(empty)).toBe(true);
    expect(listQuery(empty, 'usr_me')).toEqual({
      status: ['open', 'acknowledged'],
      severity: [],
      rule_id: undefined,
      assignee_id: undefined,
      assignee: undefined,
      q: undefined,
      sort: '-created_at',
      limit: 20,
      offset: 0,
    });
  });

  it('when filters are read from the URL and written back, then the URL is the same', () => {
    for (const values of [
      { ...empty, status: 'resolved', severity: 'critical,high', rule: 'rul_1', assignee: 'me', q: 'pay_1' },
      { ...empty, status: 'all', assignee: 'unassigned' },
      { ...empty, assignee: 'usr_other' },
      empty,
    ]) {
      const back = paramsOf(filterOf(values));
      for (const name of ['status', 'severity', 'rule', 'assignee', 'q'] as const) {
        expect(back[name] ?? '').toBe(values[name]);
      }
    }
  });

  it('when the assignee is me, unassigned or a person, then the API gets my id, assignee=unassigned or that id', () => {
    expect(listQuery({ ...empty, assignee: 'me' }, 'usr_me')).toMatchObject({ assignee_id: 'usr_me' });
    expect(listQuery({ ...empty, assignee: 'unassigned' }, 'usr_me')).toMatchObject({
      assignee: 'unassigned',
      assignee_id: undefined,
    });
    expect(listQuery({ ...empty, assignee: 'usr_x' }, 'usr_me')).toMatchObject({ assignee_id: 'usr_x' });
    expect(listQuery({ ...empty, status: 'all', page: '3', per_page: '50' }, 'usr_me')).toMatchObject({
      status: undefined,
      limit: 50,
      offset: 100,
    });
  });

  it('when the queue is carried to an alert, then only the filters ride along', () => {
    expect(queueSearch({ ...empty, severity: 'high', page: '2', sort: 'created_at' })).toBe('?severity=high');
    expect(queueSearch(empty)).toBe('');
  });

  function Harness() {
    const url = useUrlState(URL_PARAMS);
    const filter = useMemo(() => filterOf(url.values), [url.values]);
    const update = useFilterUpdate();
    return <FilterToolbar filter={filter} meId="usr_me" onChange={update} />;
  }

  it('when a person picks severities, a status and an assignee, then the URL says so', async () => {
    stubApi('operator', {
      '/api/v1/rules': { data: [], pagination: { limit: 200, offset: 0, total: 0 } },
      '/api/v1/users/directory': { data: [{ id: 'usr_o', name: 'Oscar', email: 'o@x', role: 'operator' }] },
    });
    const user = userEvent.setup();
    render(
      <Providers at="/alerts" path="/alerts">
        <Harness />
      </Providers>,
    );
    const where = () => screen.getByRole('status', { hidden: true, name: 'location' }).textContent;
    await user.click(screen.getByRole('button', { name: /^Severity/ }));
    await user.click(await screen.findByRole('checkbox', { name: 'Critical' }));
    await user.click(screen.getByRole('checkbox', { name: 'High' }));
    await waitFor(() => {
      expect(where()).toBe('/alerts?severity=critical%2Chigh');
    });
    await user.click(screen.getByRole('button', { name: /^Status/ }));
    await user.click(await screen.findByRole('checkbox', { name: 'Acknowledged' }));
    await waitFor(() => {
      expect(where()).toBe('/alerts?severity=critical%2Chigh&status=open');
    });
    await user.click(screen.getByRole('button', { name: /^Assignee/ }));
    await user.click(await screen.findByRole('option', { name: /Oscar/ }));
    await waitFor(() => {
      expect(where()).toBe('/alerts?severity=critical%2Chigh&status=open&assignee=usr_o');
    });
  }, 30_000);
});
