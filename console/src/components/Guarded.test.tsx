import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { AuthProvider, useAuth } from '../lib/auth';
import { GuardedButton } from './Guarded';

function signedInAs(role: string) {
  // The API's readable hint that a session cookie exists (lib/auth.tsx resumes only then).
  document.cookie = 'pf_session=1; path=/';
  vi.stubGlobal(
    'fetch',
    vi.fn(() =>
      Promise.resolve(
        new Response(
          JSON.stringify({
            user: {
              id: 'usr_1',
              email: 'a@b.test',
              name: 'A',
              role,
              email_verified: true,
              created_at: '2026-01-01T00:00:00Z',
            },
            accessToken: 'token',
            expiresIn: 900,
          }),
          { status: 200 },
        ),
      ),
    ),
  );
}

/** Shows the session's status, so a test can wait until the sign-in has resolved. */
function Status() {
  return <output aria-label="session">{useAuth().status}</output>;
}

describe('GuardedButton', () => {
  it('when the role may not act, then the button is disabled, focusable and says why', async () => {
    signedInAs('viewer');
    const onClick = vi.fn();
    render(
      <AuthProvider>
        <Status />
        <GuardedButton need="operator" onClick={onClick}>
          Refund
        </GuardedButton>
      </AuthProvider>,
    );
    await screen.findByText('signed-in');
    const button = screen.getByRole('button', { name: 'Refund' });
    expect(button.getAttribute('aria-disabled')).toBe('true');
    await userEvent.hover(button);
    expect(await screen.findByRole('tooltip')).toHaveProperty('textContent', expect.stringMatching(/viewer/));
    await userEvent.click(button);
    expect(onClick).not.toHaveBeenCalled();
  });

  it('when the role may act, then the button works', async () => {
    signedInAs('operator');
    const onClick = vi.fn();
    render(
      <AuthProvider>
        <Status />
        <GuardedButton need="operator" onClick={onClick}>
          Refund
        </GuardedButton>
      </AuthProvider>,
    );
    await screen.findByText('signed-in');
    expect(screen.getByRole('button', { name: 'Refund' }).getAttribute('aria-disabled')).not.toBe('true');
    await userEvent.click(screen.getByRole('button', { name: 'Refund' }));
    expect(onClick).toHaveBeenCalledOnce();
  });
});
