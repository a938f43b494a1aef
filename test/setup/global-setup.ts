import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startTestEnv, type TestEnvInfo } from '../../hack/testenv/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testenv: TestEnvInfo;
  }
}

const stateFile = join(import.meta.dirname, '..', '..', '.tmp', 'testenv.json');

/**
 * Starts the real services once for the integration project and stops them at
 * the end. With PAYFLOW_TESTENV=reuse, an environment already started by
 * `npm run env:up` is used instead (faster edit-test loops).
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.PAYFLOW_TESTENV === 'reuse' && existsSync(stateFile)) {
    project.provide('testenv', JSON.parse(readFileSync(stateFile, 'utf8')) as TestEnvInfo);
    return undefined;
  }
  const started = Date.now();
  const env = await startTestEnv({
    log: (m) => {
      console.log(`[testenv] ${m}`);
    },
  });
  console.log(`[testenv] services up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${env.info.dir}`);
  project.provide('testenv', env.info);
  return async () => {
    console.log(
      `[testenv] services' peak memory (sum of per-process VmHWM): ${String(env.peakMemoryMiB())} MiB`,
    );
    await env.stop();
  };
}
