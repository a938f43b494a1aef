// A page loaded ahead of its first render (a full page load preloads the page it opens) renders
// at once, without suspending; one that is not shows its fallback until its chunk arrives.
import { act, render, screen } from '@testing-library/react';
import { Suspense } from 'react';
import { describe, expect, it } from 'vitest';
import { page } from './routes';

function deferredPage() {
  let resolve: () => void = () => undefined;
  const loaded = new Promise<{ default: () => React.JSX.Element }>((r) => {
    resolve = () => {
      r({ default: () => <h1>Loaded page</h1> });
    };
  });
  return { route: page(() => loaded), resolve };
}

describe('page', () => {
  it('once loaded, renders without suspending', async () => {
    const { route, resolve } = deferredPage();
    resolve();
    await route.load?.();
    const Page = route.page;
    render(
      <Suspense fallback={<p>Loading</p>}>
        <Page />
      </Suspense>,
    );
    // In the very first commit: no fallback was ever shown.
    expect(screen.getByRole('heading', { name: 'Loaded page' })).toBeTruthy();
    expect(screen.queryByText('Loading')).toBeNull();
  });

  it('not loaded yet, shows the fallback until its chunk arrives', async () => {
    const { route, resolve } = deferredPage();
    const Page = route.page;
    render(
      <Suspense fallback={<p>Loading</p>}>
        <Page />
      </Suspense>,
    );
    expect(screen.getByText('Loading')).toBeTruthy();
    await act(async () => {
      resolve();
      await route.load?.();
    });
    expect(await screen.findByRole('heading', { name: 'Loaded page' })).toBeTruthy();
  });
});
