// The product's own modules the demo reuses: time-ordered ids, the payment state table, argon2id
// password hashing and the controller's CRD installer (hack/ references the api and controller
// projects, so these are type-checked against their sources).
import { join } from 'node:path';
import * as domain from '../../api/src/domain/index.ts';
import { hashPassword } from '../../api/src/auth/passwords.ts';
import { installCrds, readCrds } from '../../controller/src/crds.ts';

export const ROOT = join(import.meta.dirname, '..', '..');

export type IdPrefix = 'pay' | 'evt' | 'usr';
export type IdFactory = domain.IdFactory;

export interface CrdsModule {
  readonly readCrds: typeof readCrds;
  readonly installCrds: typeof installCrds;
}

export function loadDomain(): Promise<Pick<typeof domain, 'createIdFactory' | 'PAYMENT_STATE_TABLE'>> {
  return Promise.resolve(domain);
}

export function loadPasswords(): Promise<{ hashPassword: typeof hashPassword }> {
  return Promise.resolve({ hashPassword });
}

export function loadCrds(): Promise<CrdsModule> {
  return Promise.resolve({ readCrds, installCrds });
}

/** A product entry point (`api/src/main.ts`, …), as a path under the repository root. */
export function entry(...path: string[]): string {
  return join(ROOT, ...path);
}
