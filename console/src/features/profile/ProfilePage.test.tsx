import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ProfilePage from './ProfilePage';
import { json, ME, renderPage, SESSION, stubApi } from '../../testing';

const CHANGE = 'POST /api/v1/auth/change-password';

function serve(change: (body: Record<string, unknown>) => Response) {
  const calls: { body: Record<string, unknown>; headers: Headers }[] = [];
  stubApi({
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
    expect(await within(account).findByText('Ada Admin')).toBeTruthy();
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
});
