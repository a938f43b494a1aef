import type pg from 'pg';
import { NotFound } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Principal, Role } from '../http/principal.ts';
import { actorOf } from '../http/principal.ts';
import { withTransaction } from '../store/tx.ts';
import { audit, type AuthCore, type RequestMeta } from './core.ts';
import { newSecret, sha256Hex } from './secrets.ts';

export const API_KEY_PREFIX = 'pk_';

export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  merchant_ids: string[] | null;
}

interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  key_prefix: string;
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  merchant_ids: string[] | null;
}

const COLUMNS = 'id, name, role, key_prefix, created_by, created_at, last_used_at, revoked_at, merchant_ids';

function view(r: ApiKeyRow): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    prefix: r.key_prefix,
    created_by: r.created_by,
    created_at: r.created_at.toISOString(),
    last_used_at: r.last_used_at?.toISOString() ?? null,
    revoked_at: r.revoked_at?.toISOString() ?? null,
    merchant_ids: r.merchant_ids,
  };
}

/** Creates a key; the secret is in the answer once and only its hash is kept. */
export async function createApiKey(
  core: AuthCore,
  by: Principal,
  input: { name: string; role: Role; merchant_ids?: string[] | null | undefined },
  meta: RequestMeta,
): Promise<ApiKeyView & { key: string }> {
  const key = newSecret(API_KEY_PREFIX);
  return withTransaction(core.pool, async (client) => {
    const { rows } = await client.query<ApiKeyRow>(
      `insert into api_keys (id, name, role, key_prefix, key_hash, created_by, merchant_ids)
       values ($1, $2, $3, $4, $5, $6, $7) returning ${COLUMNS}`,
      [
        newId('key'),
        input.name,
        input.role,
        key.slice(0, 10),
        sha256Hex(key),
        by.id,
        input.merchant_ids ?? null,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error('insert into api_keys returned no row');
    await audit(client, meta, {
      ...actorOf(by),
      action: 'auth.api_key_created',
      resourceType: 'api_key',
      resourceId: row.id,
      after: { name: row.name, role: row.role, prefix: row.key_prefix, merchant_ids: row.merchant_ids },
    });
    return { ...view(row), key };
  });
}

export async function listApiKeys(pool: pg.Pool): Promise<ApiKeyView[]> {
  const { rows } = await pool.query<ApiKeyRow>(
    `select ${COLUMNS} from api_keys order by created_at desc, id desc`,
  );
  return rows.map(view);
}

/** Limits a key to some merchants (or to none: null), audited with before and after. */
export async function scopeApiKey(
  core: AuthCore,
  by: Principal,
  change: { id: string; merchantIds: string[] | null },
  meta: RequestMeta,
): Promise<ApiKeyView> {
  const { id, merchantIds } = change;
  return withTransaction(core.pool, async (client) => {
    const before = await client.query<ApiKeyRow>(`select ${COLUMNS} from api_keys where id = $1 for update`, [
      id,
    ]);
    const old = before.rows[0];
    if (!old) throw new NotFound('API key', id);
    const { rows } = await client.query<ApiKeyRow>(
      `update api_keys set merchant_ids = $2 where id = $1 returning ${COLUMNS}`,
      [id, merchantIds],
    );
    const row = rows[0];
    if (!row) throw new NotFound('API key', id);
    await audit(client, meta, {
      ...actorOf(by),
      action: 'auth.api_key_scoped',
      resourceType: 'api_key',
      resourceId: id,
      before: { merchant_ids: old.merchant_ids },
      after: { merchant_ids: row.merchant_ids },
    });
    return view(row);
  });
}

export async function revokeApiKey(
  core: AuthCore,
  by: Principal,
  id: string,
  meta: RequestMeta,
): Promise<void> {
  await withTransaction(core.pool, async (client) => {
    const { rows } = await client.query<ApiKeyRow>(
      `update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning ${COLUMNS}`,
      [id],
    );
    const row = rows[0];
    if (!row) throw new NotFound('API key', id);
    await audit(client, meta, {
      ...actorOf(by),
      action: 'auth.api_key_revoked',
      resourceType: 'api_key',
      resourceId: row.id,
      before: { name: row.name, role: row.role },
    });
  });
}

/** The principal of a live API key, or undefined. */
export async function principalOfApiKey(pool: pg.Pool, key: string): Promise<Principal | undefined> {
  const { rows } = await pool.query<{ id: string; role: Role; merchant_ids: string[] | null }>(
    `with k as (select id, role, merchant_ids, last_used_at from api_keys where key_hash = $1 and revoked_at is null),
          touched as (update api_keys set last_used_at = now()
                       where id = (select id from k)
                         and (last_used_at is null or last_used_at < now() - interval '60 seconds'))
     select id, role, merchant_ids from k`,
    [sha256Hex(key)],
  );
  const row = rows[0];
  return row
    ? { kind: 'api_key', id: row.id, role: row.role, merchantScope: row.merchant_ids ?? undefined }
    : undefined;
}
