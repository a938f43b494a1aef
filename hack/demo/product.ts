// The product's own modules the demo reuses: time-ordered ids, argon2id password hashing and
// the controller's CRD installer. They are loaded at run time from their source files and typed
// here by the part the demo calls (hack/ is a TypeScript project of its own, without references
// to the workspaces).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KubeConfig, V1CustomResourceDefinition } from '@kubernetes/client-node';

export const ROOT = join(import.meta.dirname, '..', '..');

export type IdPrefix = 'pay' | 'evt' | 'usr';
export type IdFactory = (prefix: IdPrefix) => string;

interface DomainModule {
  readonly createIdFactory: (options?: { now?: () => number }) => IdFactory;
  /** For each state, the events it accepts and the state each leads to. */
  readonly PAYMENT_STATE_TABLE: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

interface PasswordsModule {
  readonly hashPassword: (password: string) => Promise<string>;
}

export interface CrdsModule {
  readonly readCrds: () => V1CustomResourceDefinition[];
  readonly installCrds: (
    kc: KubeConfig,
    crds: V1CustomResourceDefinition[],
    timeoutMs?: number,
  ) => Promise<void>;
}

async function load<T>(...path: string[]): Promise<T> {
  return (await import(pathToFileURL(join(ROOT, ...path)).href)) as T;
}

export async function loadDomain(): Promise<DomainModule> {
  return load<DomainModule>('api', 'src', 'domain', 'index.ts');
}

export async function loadPasswords(): Promise<PasswordsModule> {
  return load<PasswordsModule>('api', 'src', 'auth', 'passwords.ts');
}

export async function loadCrds(): Promise<CrdsModule> {
  return load<CrdsModule>('controller', 'src', 'crds.ts');
}

/** A product entry point (`api/src/main.ts`, …), as a path under the repository root. */
export function entry(...path: string[]): string {
  return join(ROOT, ...path);
}
