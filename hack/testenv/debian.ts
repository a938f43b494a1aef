import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './proc.ts';

const isRoot = (): boolean => process.getuid?.() === 0;
let updated = false;

/**
 * Makes sure a Debian package is installed, judged by a file it provides.
 * As root the package is installed with apt-get; otherwise the error names
 * exactly what is missing and how to install it.
 */
export async function ensureDebianPackage(pkg: string, provides: string | (() => boolean)): Promise<void> {
  const present = typeof provides === 'string' ? () => existsSync(provides) : provides;
  if (present()) return;
  if (!isRoot()) {
    throw new Error(`missing Debian package "${pkg}": install it with \`sudo apt-get install -y ${pkg}\``);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { env });
  } catch {
    if (!updated) {
      updated = true;
      await run('apt-get', ['update', '-qq'], { env });
    }
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { env });
  }
  if (!present())
    throw new Error(`installed Debian package "${pkg}" but it did not provide what was expected`);
}

/**
 * The files of a Debian package unpacked into `dir` (`apt-get download` and `dpkg-deb -x`):
 * its tools without installing it, so that no maintainer script runs and no service starts
 * (Debian's `prometheus` would start a server). Returns `dir`; a second call finds it there.
 */
export async function unpackDebianPackage(pkg: string, dir: string): Promise<string> {
  if (existsSync(dir)) return dir;
  const work = mkdtempSync(join(tmpdir(), `payflow-deb-${pkg}-`));
  try {
    try {
      await run('apt-get', ['download', '-qq', pkg], { cwd: work });
    } catch {
      await run('apt-get', ['update', '-qq'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      await run('apt-get', ['download', '-qq', pkg], { cwd: work });
    }
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg} left no .deb`);
    const partial = join(work, 'root');
    await run('dpkg-deb', ['-x', join(work, deb), partial]);
    mkdirSync(join(dir, '..'), { recursive: true });
    renameSync(partial, dir);
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export { isRoot };
