// What the browser tests need besides the test services: Debian's Chromium (installed like the
// other services) and a current production build of the console. Done by the first browser test
// file of a run, so that runs without browser tests never build the console.
import { ensureConsoleBuilt } from '../../../hack/console-build.ts';
import { ensureDebianPackage } from '../../../hack/testenv/debian.ts';

export const CHROMIUM = '/usr/bin/chromium';

export async function ensureConsole(): Promise<void> {
  await ensureDebianPackage('chromium', CHROMIUM);
  await ensureConsoleBuilt((m) => process.stdout.write(`[console] ${m}\n`));
}
