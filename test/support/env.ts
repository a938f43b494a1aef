import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createPool, migrate } from '@payflow/api/store';
import { createDatabase, type TestEnvInfo } from '../../hack/testenv/index.ts';

export function testenv(): TestEnvInfo {
  return inject('testenv');
}

/** The kube-apiserver of the test environment (kubeconfigs, version). */
export function testKube(): NonNullable<TestEnvInfo['kube']> {
  const kube = testenv().kube;
  if (!kube) throw new Error('the test environment was started without kube-apiserver');
  return kube;
}

/** A new empty database on the shared PostgreSQL, so that test files never see each other's rows. */
export async function freshDatabase(prefix = 't'): Promise<string> {
  return createDatabase(testenv().postgres.url, `${prefix}_${randomBytes(6).toString('hex')}`);
}

/** A new database with every migration applied. */
export async function migratedDatabase(prefix = 't'): Promise<string> {
  const url = await freshDatabase(prefix);
  const pool = createPool({ url, max: 1 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  return url;
}
