import '@patternfly/react-core/dist/styles/base.css';
import '@patternfly/patternfly/patternfly-addons.css';
import '@patternfly/patternfly/patternfly-charts.css';
import './app/console.css';
import { markMainStarted } from './lib/boot';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { preloadRoute } from './app/routes';
import { resumeEarly } from './lib/auth';
import { applyTheme, storedTheme } from './lib/preferences';
import { createQueryClient } from './lib/query';

// From here on the answers of the boot script (src/boot.ts) are taken over; if it has not run yet, it will not.
markMainStarted();

// After a new version is deployed, the chunks of the old one are gone: a lazy page that fails to
// load reloads the console once (to the new index.html) instead of showing an error.
window.addEventListener('vite:preloadError', (event) => {
  const key = 'payflow.reloaded-for-chunk';
  if (sessionStorage.getItem(key) === location.pathname) return;
  event.preventDefault();
  sessionStorage.setItem(key, location.pathname);
  location.reload();
});

// The remembered theme before the first paint; the server's preference takes over after sign-in.
applyTheme(storedTheme());

// With a session cookie, the silent sign-in, the page's chunk and its first data start now, side
// by side, rather than one after another as components mount.
const queryClient = createQueryClient();
const signedIn = resumeEarly();
if (signedIn) preloadRoute(queryClient, signedIn);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App queryClient={queryClient} />
    </StrictMode>,
  );
}
