// What the browser tests need besides the test services: Debian's Chromium (installed like the
// other services) and a production build of the console, made again only when its sources are
// newer than it. Done by the first browser test file of a run, so that runs without browser tests
// never build the console.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackage } from '../../../hack/testenv/debian.ts';
import { run } from '../../../hack/testenv/proc.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CONSOLE = join(ROOT, 'console');
export const CHROMIUM = '/usr/bin/chromium';

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
}

function stale(): boolean {
  const built = join(CONSOLE, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) =>
    join(CONSOLE, p),
  );
  return Math.max(...sources.filter((p) => existsSync(p)).map(newest)) > statSync(built).mtimeMs;
}

export async function ensureConsole(): Promise<void> {
  await ensureDebianPackage('chromium', CHROMIUM);
  if (!stale()) return;
  const started = Date.now();
  await run(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: CONSOLE,
    },
  );
  process.stdout.write(`[console] built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
