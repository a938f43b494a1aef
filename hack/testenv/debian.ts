import { existsSync } from 'node:fs';
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

export { isRoot };
