import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, ME, renderPage, SESSION, stubApi, type Handler } from '../../../testing';
import ApiKeysPage from './ApiKeysPage';
import SystemPage from './SystemPage';
import UsersPage from './UsersPage';

const SETTINGS = {
  session_lifetime_hours: 336,
  default_alert_assignee: null,
  defaults: { session_lifetime_hours: 336, default_alert_assignee: null },
  updated_at: null,
  updated_by: null,
};

const PEOPLE = {
  data: [{ id: 'usr_op', name: 'Otto Operator', email: 'otto@payflow.test', role: 'operator' }],
};

function serve(routes: Record<string, Handler>) {
  stubApi({
    'POST /api/v1/auth/refresh': () => json(SESSION),
    'GET /api/v1/users/me': () => json(ME),
    ...routes,
  });
}

const bodyOf = (init: RequestInit | undefined): unknown => JSON.parse(init?.body as string);

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('API keys', { timeout: 30_000 }, () => {
  it('when a key is created without a name, then the field says why and nothing is sent; with one, the key is shown once with a copy button', async () => {
    const posts: unknown[] = [];
    serve({
      'GET /api/v1/api-keys': () => json({ data: [] }),
      'POST /api/v1/api-keys': (init) => {
        posts.push(bodyOf(init));
        return json(
          {
            id: 'key_01J00000000000000000000000',
            name: 'importer',
            role: 'operator',
            prefix: 'pk_abcdefg',
            created_by: ME.id,
            created_at: '2026-03-01T08:00:00Z',
            last_used_at: null,
            revoked_at: null,
            key: 'pk_abcdefg-the-whole-secret',
          },
          201,
        );
      },
    });
    renderPage(<ApiKeysPage />, { session: true });
    expect(await screen.findByText('No API keys', {}, { timeout: 10_000 })).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Create API key' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(within(dialog).getByText('Name the key after the client that will use it.')).toBeTruthy();
    expect(within(dialog).getByLabelText(/^Name/).getAttribute('aria-invalid')).toBe('true');
    expect(posts).toEqual([]);
    await userEvent.type(within(dialog).getByLabelText(/^Name/), '  importer ');
    await userEvent.selectOptions(within(dialog).getByLabelText(/^Role/), 'operator');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(await within(dialog).findByText('This is the only time the key is shown')).toBeTruthy();
    expect(posts).toEqual([{ name: 'importer', role: 'operator', merchant_ids: null }]);
    expect(within(dialog).getByLabelText('New API key')).toHaveProperty(
      'value',
      'pk_abcdefg-the-whole-secret',
    );
    expect(within(dialog).getByRole('button', { name: 'Copy' })).toBeTruthy();
  });

  it('when the API refuses the name, then its message shows on the field', async () => {
    serve({
      'GET /api/v1/api-keys': () => json({ data: [] }),
      'POST /api/v1/api-keys': () =>
        json(
          {
            title: 'Validation failed',
            status: 400,
            field: 'name',
            detail: 'name: too long',
            errors: [{ field: 'name', message: 'Too big: expected string to have <=200 characters' }],
          },
          400,
        ),
    });
    renderPage(<ApiKeysPage />, { session: true });
    await userEvent.click(await screen.findByRole('button', { name: 'Create API key' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText(/^Name/), 'importer');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(await within(dialog).findByText('Too big: expected string to have <=200 characters')).toBeTruthy();
  });
});

describe('System settings', { timeout: 30_000 }, () => {
  it('when the session lifetime is not a whole number in range, then the field says why and nothing is sent', async () => {
    const patches: unknown[] = [];
    serve({
      'GET /api/v1/settings': () => json(SETTINGS),
      'GET /api/v1/users/directory': () => json(PEOPLE),
      'PATCH /api/v1/settings': (init) => {
        patches.push(bodyOf(init));
        return json({
          ...SETTINGS,
          session_lifetime_hours: 24,
          updated_at: '2026-03-01T08:00:00Z',
          updated_by: ME.id,
        });
      },
    });
    renderPage(<SystemPage />, { session: true });
    const hours = await screen.findByLabelText(/^Session lifetime/, {}, { timeout: 10_000 });
    for (const [value, message] of [
      ['0', /Between 1 hour and 2160 hours/],
      ['3000', /Between 1 hour and 2160 hours/],
      ['1.5', /Enter a whole number of hours/],
    ] as const) {
      await userEvent.clear(hours);
      await userEvent.type(hours, value);
      await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
      expect(screen.getByText(message)).toBeTruthy();
      expect(hours.getAttribute('aria-invalid')).toBe('true');
    }
    expect(patches).toEqual([]);
    await userEvent.clear(hours);
    await userEvent.type(hours, '24');
    await userEvent.selectOptions(screen.getByLabelText('Default alert assignee'), 'usr_op');
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('Settings saved')).toBeTruthy();
    expect(patches).toEqual([{ session_lifetime_hours: 24, default_alert_assignee: 'usr_op' }]);
  });

  it('when the API refuses the assignee, then its message shows on that field', async () => {
    serve({
      'GET /api/v1/settings': () => json(SETTINGS),
      'GET /api/v1/users/directory': () => json(PEOPLE),
      'PATCH /api/v1/settings': () =>
        json(
          {
            title: 'Validation failed',
            status: 400,
            field: 'default_alert_assignee',
            errors: [{ field: 'default_alert_assignee', message: 'must be an active operator or admin' }],
          },
          400,
        ),
    });
    renderPage(<SystemPage />, { session: true });
    await screen.findByLabelText(/^Session lifetime/);
    await waitFor(() => {
      expect(screen.getByRole('option', { name: /Otto Operator/ })).toBeTruthy();
    });
    await userEvent.selectOptions(screen.getByLabelText('Default alert assignee'), 'usr_op');
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('must be an active operator or admin')).toBeTruthy();
  });
});

describe('Users', { timeout: 30_000 }, () => {
  const users = {
    data: [
      { ...ME, disabled: false },
      {
        id: 'usr_v',
        email: 'vera@payflow.test',
        name: 'Vera Viewer',
        role: 'viewer',
        email_verified: true,
        disabled: false,
        created_at: '2026-02-01T08:00:00Z',
      },
    ],
    pagination: { limit: 100, offset: 0, total: 2 },
  };

  it('when an admin picks another role, then it is saved as { role }; their own role is not editable here', async () => {
    const patches: unknown[] = [];
    serve({
      'GET /api/v1/users': () => json(users),
      'PATCH /api/v1/users/usr_v': (init) => {
        patches.push(bodyOf(init));
        return json({ ...users.data[1], role: 'operator' });
      },
    });
    renderPage(<UsersPage />, { session: true });
    const select = await screen.findByRole('combobox', { name: 'Role of Vera Viewer' }, { timeout: 10_000 });
    expect(screen.queryByRole('combobox', { name: 'Role of Ada Admin' })).toBeNull();
    await userEvent.selectOptions(select, 'operator');
    await waitFor(() => {
      expect(patches).toEqual([{ role: 'operator' }]);
    });
    expect(await screen.findByText('Vera Viewer is now operator')).toBeTruthy();
  });

  it('when an admin disables someone, then a confirmation comes first and then { disabled: true } is sent', async () => {
    const patches: unknown[] = [];
    serve({
      'GET /api/v1/users': () => json(users),
      'PATCH /api/v1/users/usr_v': (init) => {
        patches.push(bodyOf(init));
        return json({ ...users.data[1], disabled: true });
      },
    });
    renderPage(<UsersPage />, { session: true });
    await userEvent.click(await screen.findByRole('button', { name: 'Disable Vera Viewer' }));
    const dialog = await screen.findByRole('dialog');
    expect(patches).toEqual([]);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Disable account' }));
    await waitFor(() => {
      expect(patches).toEqual([{ disabled: true }]);
    });
  });
});
