import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ProfilePage from './ProfilePage';
import { json, ME, renderPage, SESSION, stubApi, type Handler } from '../../testing';

const CHANGE = 'POST /api/v1/auth/change-password';

const SESSIONS = {
  data: [
    {
      id: 'key_01JCURRENT000000000000000A',
      user_agent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      ip: '203.0.113.7',
      created_at: '2026-03-01T08:00:00Z',
      last_used_at: '2026-03-01T09:00:00Z',
      expires_at: '2026-03-15T08:00:00Z',
      current: true,
    },
    {
      id: 'key_01JPHONE00000000000000000B',
      user_agent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ip: '198.51.100.20',
      created_at: '2026-02-20T08:00:00Z',
      last_used_at: '2026-02-28T21:00:00Z',
      expires_at: '2026-03-06T08:00:00Z',
      current: false,
    },
  ],
};

function serve(change: (body: Record<string, unknown>) => Response, extra: Record<string, Handler> = {}) {
  const calls: { body: Record<string, unknown>; headers: Headers }[] = [];
  stubApi({
    'GET /api/v1/users/me/sessions': () => json(SESSIONS),
    'GET /api/v1/users/me/identities': () => json({ data: [] }),
    'GET /api/v1/auth/providers': () => json({ password: true, oidc: [{ id: 'google', name: 'Google' }] }),
    ...extra,
    'POST /api/v1/auth/refresh': () => json(SESSION),
    'GET /api/v1/users/me': () => json({ ...ME, email_verified: false }),
    [CHANGE]: (init) => {
      const body = JSON.parse(init?.body as string) as Record<string, unknown>;
      calls.push({ body, headers: new Headers(init?.headers) });
      return change(body);
    },
  });
  return calls;
}

async function fill(current: string, next: string, confirm: string) {
  if (current) await userEvent.type(screen.getByLabelText(/^Current password/), current);
  if (next) await userEvent.type(screen.getByLabelText(/^New password/), next);
  if (confirm) await userEvent.type(screen.getByLabelText(/^Confirm new password/), confirm);
  await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('ProfilePage', { timeout: 30_000 }, () => {
  it('when the account loads, then name, email, role with what it may do, verification and start are shown', async () => {
    serve(() => json(SESSION));
    renderPage(<ProfilePage />, { session: true });
    const account = await screen.findByRole('region', { name: 'Account' });
    expect(await within(account).findByLabelText(/^Name/)).toHaveProperty('value', 'Ada Admin');
    expect(within(account).getByText('ada@payflow.test')).toBeTruthy();
    expect(within(account).getByText('Admin')).toBeTruthy();
    expect(within(account).getByText(/manage users and their roles/)).toBeTruthy();
    expect(within(account).getByText('Not verified')).toBeTruthy();
    expect(within(account).getByText('Member since')).toBeTruthy();
  });

  it('when the form is sent empty, too short or unconfirmed, then each field says why and nothing is sent', async () => {
    const calls = serve(() => json(SESSION));
    renderPage(<ProfilePage />, { session: true });
    await screen.findByRole('form', { name: 'Change password' });
    await fill('', '', '');
    expect(screen.getByText('Enter your current password.')).toBeTruthy();
    expect(screen.getByText('Must be at least 8 characters.')).toBeTruthy();
    expect(screen.getByLabelText(/^Current password/).getAttribute('aria-invalid')).toBe('true');

    await fill('old-password', 'short', '');
    expect(screen.queryByText('Enter your current password.')).toBeNull();
    expect(screen.getByText('Must be at least 8 characters.')).toBeTruthy();

    await userEvent.clear(screen.getByLabelText(/^New password/));
    await fill('', 'long-enough-1', 'long-enough-2');
    expect(screen.getByText('Does not match the new password.')).toBeTruthy();
    expect(calls).toEqual([]);
  });

  it('when the API says the current password is wrong, then that field says so', async () => {
    const calls = serve(() =>
      json(
        {
          title: 'Bad Request',
          status: 400,
          detail: 'The current password is incorrect.',
          field: 'currentPassword',
          errors: [{ field: 'currentPassword', message: 'The current password is incorrect.' }],
        },
        400,
      ),
    );
    renderPage(<ProfilePage />, { session: true });
    await screen.findByRole('form', { name: 'Change password' });
    await fill('wrong-password', 'new-password-1', 'new-password-1');
    expect(await screen.findByText('The current password is incorrect.')).toBeTruthy();
    expect(screen.getByLabelText(/^Current password/).getAttribute('aria-invalid')).toBe('true');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toEqual({ currentPassword: 'wrong-password', newPassword: 'new-password-1' });
    expect(calls[0]?.headers.get('X-PayFlow-Session')).toBe('cookie');
  });

  it('when the change succeeds, then a success message shows and the fields are cleared', async () => {
    serve(() => json({ ...SESSION, accessToken: 'token-2' }));
    renderPage(<ProfilePage />, { session: true });
    await screen.findByRole('form', { name: 'Change password' });
    await fill('old-password', 'new-password-1', 'new-password-1');
    expect(await screen.findByText('Your password was changed')).toBeTruthy();
    await waitFor(() => {
      expect(screen.getByLabelText(/^New password/)).toHaveProperty('value', '');
    });
  });

  it('when the name is emptied or too long, then the field says why and nothing is sent; a good one is saved trimmed', async () => {
    const patches: unknown[] = [];
    serve(() => json(SESSION), {
      'PATCH /api/v1/users/me': (init) => {
        const body = JSON.parse(init?.body as string) as { name: string };
        patches.push(body);
        return json({ ...ME, name: body.name });
      },
    });
    renderPage(<ProfilePage />, { session: true });
    const name = await screen.findByLabelText(/^Name/);
    await userEvent.clear(name);
    await userEvent.type(name, '   ');
    await userEvent.click(screen.getByRole('button', { name: 'Save name' }));
    expect(screen.getByText('Enter a name.')).toBeTruthy();
    expect(name.getAttribute('aria-invalid')).toBe('true');
    await userEvent.clear(name);
    await userEvent.click(name);
    await userEvent.paste('x'.repeat(201));
    await userEvent.click(screen.getByRole('button', { name: 'Save name' }));
    expect(screen.getByText('Must be at most 200 characters.')).toBeTruthy();
    expect(patches).toEqual([]);
    await userEvent.clear(name);
    await userEvent.type(name, ' Ada Lovelace ');
    await userEvent.click(screen.getByRole('button', { name: 'Save name' }));
    await waitFor(() => {
      expect(patches).toEqual([{ name: 'Ada Lovelace' }]);
    });
  });

  it('when sessions load, then each shows its device, address and which is this one; signing another out sends DELETE', async () => {
    const deleted: string[] = [];
    serve(() => json(SESSION), {
      'DELETE /api/v1/users/me/sessions/key_01JPHONE00000000000000000B': () => {
        deleted.push('phone');
        return new Response(null, { status: 204 });
      },
    });
    renderPage(<ProfilePage />, { session: true });
    const table = await screen.findByRole('table', { name: 'Your sessions' });
    expect(await within(table).findByText('Chrome on Linux')).toBeTruthy();
    expect(within(table).getByText('Safari on iPhone')).toBeTruthy();
    expect(within(table).getByText('This session')).toBeTruthy();
    expect(within(table).getByText('198.51.100.20')).toBeTruthy();
    await userEvent.click(within(table).getByRole('button', { name: 'Sign out Safari on iPhone' }));
    await waitFor(() => {
      expect(deleted).toEqual(['phone']);
    });
    expect(await screen.findByText('Safari on iPhone was signed out')).toBeTruthy();
  });

  it('when every other session is to be signed out, then a confirmation names how many first', async () => {
    let others = 0;
    serve(() => json(SESSION), {
      'POST /api/v1/users/me/sessions/sign-out-others': () => {
        others += 1;
        return json({ ended: 1 });
      },
    });
    renderPage(<ProfilePage />, { session: true });
    await userEvent.click(await screen.findByRole('button', { name: 'Sign out all other sessions' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText(/One other session will be signed out/)).toBeTruthy();
    expect(others).toBe(0);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Sign out others' }));
    expect(await screen.findByText('One other session was signed out')).toBeTruthy();
    expect(others).toBe(1);
  });

  it('when no identity is linked and Google is configured, then it says how to link one', async () => {
    serve(() => json(SESSION));
    renderPage(<ProfilePage />, { session: true });
    const card = await screen.findByRole('region', { name: 'Linked identities' });
    expect(await within(card).findByText(/No Google account is linked/)).toBeTruthy();
  });
});
