import '@patternfly/react-core/dist/styles/base.css';
import '@patternfly/patternfly/patternfly-addons.css';
import '@patternfly/patternfly/patternfly-charts.css';
import './app/console.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { applyTheme, storedTheme } from './lib/preferences';

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

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
