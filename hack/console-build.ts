// A production build of the console (console/dist), made again only when its sources are newer
// than the last build. Used by `npm start` (the demo serves the console from the API) and by the
// browser tests.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './testenv/proc.ts';

const ROOT = join(import.meta.dirname, '..');
const CONSOLE = join(ROOT, 'console');
export const CONSOLE_DIST = join(CONSOLE, 'dist');

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
}

/** True when there is no build or a source file is newer than it. */
export function consoleBuildStale(): boolean {
  const built = join(CONSOLE_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const sources = [
    ...['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(CONSOLE, p)),
    // The help center's articles, which the console bundles.
    join(ROOT, 'docs', 'help'),
  ];
  return Math.max(...sources.filter((p) => existsSync(p)).map(newest)) > statSync(built).mtimeMs;
}

/** Builds the console when it is stale; answers whether it built (and how long it took). */
export async function ensureConsoleBuilt(log: (m: string) => void = () => undefined): Promise<boolean> {
  if (!consoleBuildStale()) return false;
  const started = Date.now();
  log('building the console (vite build)…');
  await run(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: CONSOLE,
      // A production build whatever the caller's NODE_ENV (vitest sets "test", which would bundle
      // React's development build).
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  log(`built the console in ${((Date.now() - started) / 1000).toFixed(1)} s → ${CONSOLE_DIST}`);
  return true;
}
