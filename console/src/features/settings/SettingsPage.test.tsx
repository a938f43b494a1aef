import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SettingsPage from './SettingsPage';
import { json, ME, renderPage, SESSION, stubApi } from '../../testing';

const PATCH = 'PATCH /api/v1/users/me/preferences';

function serve(prefs: Partial<typeof ME.preferences> = {}, fail = false) {
  const me = { ...ME, preferences: { ...ME.preferences, ...prefs } };
  const patches: unknown[] = [];
  stubApi({
    'POST /api/v1/auth/refresh': () => json(SESSION),
    'GET /api/v1/users/me': () => json(me),
    [PATCH]: (init) => {
      const patch = JSON.parse(init?.body as string) as Record<string, unknown>;
      patches.push(patch);
      if (fail)
        return json(
          { title: 'Bad Request', status: 400, detail: 'The preferences could not be saved.', errors: [] },
          400,
        );
      return json({ ...me.preferences, ...patch });
    },
  });
  return patches;
}

async function ready() {
  renderPage(<SettingsPage />, { session: true });
  // The stored preferences have arrived when the saved theme is checked.
  await waitFor(
    () => {
      expect(screen.getByRole('radio', { name: /^Light/ })).toHaveProperty('checked', true);
    },
    { timeout: 10_000 },
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('SettingsPage', { timeout: 30_000 }, () => {
  it('when a theme is chosen, then it is saved as { theme } and confirmed', async () => {
    const patches = serve();
    await ready();
    const group = screen.getByRole('radiogroup', { name: 'Theme' });
    await userEvent.click(within(group).getByRole('radio', { name: /^Dark/ }));
    await waitFor(() => {
      expect(patches).toEqual([{ theme: 'dark' }]);
    });
    expect(await within(group).findByText('Saved')).toBeTruthy();
    expect(within(group).getByRole('radio', { name: /^Dark/ })).toHaveProperty('checked', true);
    await userEvent.click(within(group).getByRole('radio', { name: /^Follow the system/ }));
    await waitFor(() => {
      expect(patches).toEqual([{ theme: 'dark' }, { theme: 'system' }]);
    });
  });

  it('when compact density is chosen, then it is saved as { density: "compact" }', async () => {
    const patches = serve();
    await ready();
    const group = screen.getByRole('radiogroup', { name: 'Table density' });
    await userEvent.click(within(group).getByRole('radio', { name: /^Compact/ }));
    await waitFor(() => {
      expect(patches).toEqual([{ density: 'compact' }]);
    });
    expect(await within(group).findByText('Saved')).toBeTruthy();
  });

  it('when notifications are switched off, then { notifications_enabled: false } is saved', async () => {
    const patches = serve();
    await ready();
    const toggle = screen.getByRole('switch', { name: /Show alert toasts/ });
    expect(toggle).toHaveProperty('checked', true);
    expect(toggle.getAttribute('aria-describedby')).toBeTruthy();
    expect(screen.getByText(/new high or critical alert/)).toBeTruthy();
    await userEvent.click(toggle);
    await waitFor(() => {
      expect(patches).toEqual([{ notifications_enabled: false }]);
    });
    expect(screen.getByRole('switch', { name: /Show alert toasts/ })).toHaveProperty('checked', false);
  });

  it("when a time zone is picked or the browser's is asked for, then { timezone } is saved", async () => {
    const patches = serve({ timezone: 'Asia/Tokyo' });
    renderPage(<SettingsPage />, { session: true });
    const select = await screen.findByRole('combobox', { name: 'Time zone' }, { timeout: 10_000 });
    await waitFor(() => {
      expect(select).toHaveProperty('value', 'Asia/Tokyo');
    });
    await userEvent.selectOptions(select, 'Europe/Paris');
    await waitFor(() => {
      expect(patches).toEqual([{ timezone: 'Europe/Paris' }]);
    });
    const browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
    await userEvent.click(screen.getByRole('button', { name: `Use my browser's time zone (${browser})` }));
    await waitFor(() => {
      expect(patches).toEqual([{ timezone: 'Europe/Paris' }, { timezone: browser }]);
    });
  });

  it('when the save fails, then the error is shown and the choice goes back', async () => {
    const patches = serve({}, true);
    await ready();
    const group = screen.getByRole('radiogroup', { name: 'Theme' });
    await userEvent.click(within(group).getByRole('radio', { name: /^Dark/ }));
    expect(await within(group).findByText(/Not saved: The preferences could not be saved\./)).toBeTruthy();
    expect(patches).toEqual([{ theme: 'dark' }]);
    expect(within(group).getByRole('radio', { name: /^Light/ })).toHaveProperty('checked', true);
    expect(within(group).queryByText('Saved')).toBeNull();
  });

  it('when a start page is chosen, then it is saved as { landing_page }', async () => {
    const patches = serve();
    await ready();
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Start page' }), '/alerts');
    await waitFor(() => {
      expect(patches).toEqual([{ landing_page: '/alerts' }]);
    });
  });

  it('when the About card is read, then it names the build and links the API document and health', async () => {
    serve();
    await ready();
    const about = screen.getByRole('region', { name: 'About' });
    expect(within(about).getByText('test')).toBeTruthy();
    expect(
      within(about)
        .getByRole('link', { name: /OpenAPI document/ })
        .getAttribute('href'),
    ).toBe('/api/v1/openapi.json');
    expect(within(about).getByRole('link', { name: 'System health' }).getAttribute('href')).toBe('/health');
  });
});
