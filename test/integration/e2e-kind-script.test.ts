// hack/e2e-kind.sh needs Docker, which these machines do not have: it is checked, not run.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ensureDebianPackage } from '../../hack/testenv/debian.ts';

const script = join(import.meta.dirname, '..', '..', 'hack', 'e2e-kind.sh');
const exec = promisify(execFile);

describe('hack/e2e-kind.sh', () => {
  it('when bash parses it, then it has no syntax error', async () => {
    await expect(exec('bash', ['-n', script])).resolves.toBeDefined();
  });

  it('when shellcheck (Debian package) reads it, then it reports nothing', async () => {
    await ensureDebianPackage('shellcheck', '/usr/bin/shellcheck');
    const r = await exec('shellcheck', ['--severity=style', script]).catch(
      (e: unknown) => e as { stdout: string },
    );
    expect('stdout' in r ? r.stdout : '').toBe('');
  }, 120_000);

  it('when read, then its header says it is not run here and why', async () => {
    const { readFile } = await import('node:fs/promises');
    const head = (await readFile(script, 'utf8')).split('\n').slice(0, 15).join('\n');
    expect(head).toContain('NOT RUN BY THE TESTS');
    expect(head).toContain('no Docker engine');
  });
});
