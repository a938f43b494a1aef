import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyRoute } from '../../api/src/http/route.ts';
import { apiRoutes } from '../../api/src/routes/index.ts';
import {
  loginAdmin,
  registerAndLogin,
  startAuthApi,
  uniqueEmail,
  type AuthHarness,
  type SignedInBody,
} from '../support/auth.ts';

/** The only endpoints anyone may call without credentials (besides /livez, /readyz and /metrics). */
function intendedPublic(route: AnyRoute): boolean {
  if (route.path === '/api/v1/openapi.json') return true;
  return route.path.startsWith('/api/v1/auth/') && route.path !== '/api/v1/auth/change-password';
}

/** A concrete URL for a route template: every parameter filled with a harmless value. */
function urlOf(route: AnyRoute): string {
  return route.path.replace(/:(\w+)/g, 'x_$1').replace(/\*(\w+)/g, 'x_$1');
}

const label = (r: AnyRoute): string => `${r.method.toUpperCase()} ${r.path} (${r.access})`;

/**
 * How every route honours merchant scopes (ScopeHandling): a route added without a line here
 * fails, so nobody adds one without deciding. `query`: the scope is a condition of its queries;
 * `stream`: each event is delivered only for the scope's merchants; `unscoped`: it spans every
 * merchant and a scoped caller gets 403; `none`: it touches nothing of a merchant's.
 */
const SCOPES: Record<string, string> = {
  'POST /api/v1/auth/signup': 'none',
  'POST /api/v1/auth/setup': 'none',
  'POST /api/v1/auth/login': 'none',
  'POST /api/v1/auth/refresh': 'none',
  'POST /api/v1/auth/logout': 'none',
  'GET /api/v1/auth/verify-email': 'none',
  'POST /api/v1/auth/resend-verification': 'none',
  'POST /api/v1/auth/forgot-password': 'none',
  'POST /api/v1/auth/reset-password': 'none',
  'POST /api/v1/auth/change-password': 'none',
  'GET /api/v1/auth/providers': 'none',
  'GET /api/v1/auth/oauth/:provider': 'none',
  'GET /api/v1/auth/oauth/:provider/callback': 'none',
  'POST /api/v1/api-keys': 'none',
  'GET /api/v1/api-keys': 'none',
  'PATCH /api/v1/api-keys/:keyId': 'none',
  'DELETE /api/v1/api-keys/:keyId': 'none',
  'GET /api/v1/transactions': 'query',
  'GET /api/v1/transactions/export': 'query',
  'GET /api/v1/transactions/export.csv': 'query',
  'GET /api/v1/transactions/:transactionId': 'query',
  'POST /api/v1/transactions': 'query',
  'GET /api/v1/transactions/:transactionId/audit-logs': 'query',
  'GET /api/v1/transactions/:transactionId/timeline': 'query',
  'GET /api/v1/transactions/:transactionId/parked-events': 'query',
  'GET /api/v1/transactions/:transactionId/rule-hits': 'query',
  'POST /api/v1/transactions/:transactionId/capture': 'query',
  'POST /api/v1/transactions/:transactionId/void': 'query',
  'POST /api/v1/transactions/:transactionId/refund': 'query',
  'POST /api/v1/events': 'query',
  'GET /api/v1/alerts': 'query',
  'GET /api/v1/alerts/next': 'query',
  'POST /api/v1/alerts/acknowledge': 'query',
  'GET /api/v1/alerts/:alertId': 'query',
  'POST /api/v1/alerts/:alertId/acknowledge': 'query',
  'POST /api/v1/alerts/:alertId/resolve': 'query',
  'POST /api/v1/alerts/:alertId/assign': 'query',
  'POST /api/v1/alerts/:alertId/notes': 'query',
  'GET /api/v1/rules': 'query',
  'GET /api/v1/rules/:ruleId': 'query',
  'POST /api/v1/rules': 'none',
  'PUT /api/v1/rules/:ruleId': 'none',
  'DELETE /api/v1/rules/:ruleId': 'none',
  'POST /api/v1/rules/validate': 'none',
  'POST /api/v1/rules/backtests': 'unscoped',
  'GET /api/v1/rules/backtests/:jobId': 'unscoped',
  'GET /api/v1/rules/:ruleId/versions': 'none',
  'GET /api/v1/rules/:ruleId/versions/:version': 'none',
  'POST /api/v1/rules/:ruleId/rollback': 'none',
  'POST /api/v1/rules/:ruleId/promote': 'none',
  'GET /api/v1/rules/:ruleId/shadow': 'unscoped',
  'GET /api/v1/rules/:ruleId/resource': 'none',
  'GET /api/v1/search': 'query',
  'GET /api/v1/audit': 'query',
  'GET /api/v1/audit/verify': 'none',
  'GET /api/v1/audit/verify/status': 'none',
  'GET /api/v1/batch-jobs': 'query',
  'GET /api/v1/batch-jobs/:jobId': 'query',
  'POST /api/v1/batch-jobs': 'unscoped',
  'POST /api/v1/batch-jobs/:jobId/cancel': 'unscoped',
  'POST /api/v1/batch-jobs/:jobId/retry': 'unscoped',
  'GET /api/v1/batch-jobs/:jobId/failures': 'query',
  'GET /api/v1/batch-jobs/:jobId/output': 'query',
  'GET /api/v1/worker-pools': 'none',
  'GET /api/v1/worker-pools/:namespace/:name': 'none',
  'GET /api/v1/dead-letters': 'unscoped',
  'POST /api/v1/dead-letters/redrive': 'unscoped',
  'GET /api/v1/users/me': 'none',
  'PATCH /api/v1/users/me': 'none',
  'GET /api/v1/users/me/sessions': 'none',
  'DELETE /api/v1/users/me/sessions/:sessionId': 'none',
  'POST /api/v1/users/me/sessions/sign-out-others': 'none',
  'GET /api/v1/users/me/identities': 'none',
  'PATCH /api/v1/users/me/preferences': 'none',
  'GET /api/v1/users/directory': 'none',
  'GET /api/v1/users': 'none',
  'PATCH /api/v1/users/:userId': 'none',
  'GET /api/v1/users/me/onboarding': 'none',
  'PATCH /api/v1/users/me/onboarding': 'none',
  'POST /api/v1/users/me/onboarding/items/:item': 'none',
  'GET /api/v1/invitations': 'none',
  'POST /api/v1/invitations': 'none',
  'POST /api/v1/invitations/:invitationId/resend': 'none',
  'DELETE /api/v1/invitations/:invitationId': 'none',
  'POST /api/v1/auth/invitation': 'none',
  'POST /api/v1/auth/accept-invitation': 'none',
  'GET /api/v1/settings': 'none',
  'PATCH /api/v1/settings': 'none',
  'GET /api/v1/health': 'none',
  'GET /api/v1/queue/stats': 'none',
  'GET /api/v1/stats/overview': 'query',
  'GET /api/v1/stats/alerts': 'query',
  'GET /api/v1/stream': 'stream',
  'GET /api/v1/assistant': 'none',
  'POST /api/v1/assistant/chat': 'query',
  'GET /api/v1/notifications': 'query',
  'PATCH /api/v1/notifications/:notificationId': 'query',
  'POST /api/v1/notifications/read': 'query',
};

describe('access control over the whole route table', () => {
  let h: AuthHarness;
  let admin: SignedInBody;
  let viewer: SignedInBody;
  let routes: AnyRoute[];

  beforeAll(async () => {
    h = await startAuthApi();
    admin = await loginAdmin(h);
    viewer = await registerAndLogin(h, uniqueEmail('viewer'));
    routes = apiRoutes(h.api.deps);
  });
  afterAll(async () => {
    await h.close();
  });

  it('when the table is read, then the only public routes are the intended ones', () => {
    const publicRoutes = routes.filter((r) => r.access === 'public').map(label);
    const unexpected = routes.filter((r) => r.access === 'public' && !intendedPublic(r)).map(label);
    expect(unexpected).toEqual([]);
    expect(publicRoutes).toContain('POST /api/v1/auth/login (public)');
    // Routes open to any signed-in account, also one without a role yet: its own profile only.
    const ownOnly = routes.filter((r) => r.access === 'signed_in');
    expect(ownOnly.filter((r) => !r.path.startsWith('/api/v1/users/me')).map(label)).toEqual([
      'POST /api/v1/auth/change-password (signed_in)',
    ]);
    expect(routes.filter((r) => r.access !== 'public').length).toBeGreaterThan(3);
  });

  it('when the table is read, then every route states how merchant scopes apply, as the table above says', () => {
    const actual = Object.fromEntries(routes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r.scope]));
    expect(actual).toEqual(SCOPES);
    // Whatever reads payments, alerts or their audit rows is scoped in its query.
    for (const r of routes) {
      if (/transactionId|alertId|\/transactions|\/alerts|\/stats\//.test(r.path))
        expect(r.scope, `${r.method} ${r.path}`).toBe('query');
    }
  });

  it('when any non-public route is called without credentials or with a bad token, then it answers 401 problem+json with WWW-Authenticate', async () => {
    const open: string[] = [];
    for (const route of routes.filter((r) => r.access !== 'public')) {
      for (const token of [undefined, 'definitely.not.valid']) {
        const res = await h.call(route.method.toUpperCase(), urlOf(route), {
          ...(token ? { token } : {}),
          ...(route.method === 'get' || route.method === 'delete' ? {} : { body: {} }),
        });
        await res.body?.cancel();
        const ok =
          res.status === 401 &&
          (res.headers.get('content-type') ?? '').startsWith('application/problem+json') &&
          res.headers.get('www-authenticate') !== null;
        if (!ok)
          open.push(`${label(route)} ${token ? 'bad token' : 'no credentials'} → ${String(res.status)}`);
      }
    }
    expect(open).toEqual([]);
  });

  it('when a viewer calls any operator or admin route, then it answers 403 before doing anything', async () => {
    const leaks: string[] = [];
    for (const route of routes.filter((r) => r.access === 'operator' || r.access === 'admin')) {
      const res = await h.call(route.method.toUpperCase(), urlOf(route), {
        token: viewer.accessToken,
        ...(route.method === 'get' || route.method === 'delete' ? {} : { body: {} }),
      });
      await res.body?.cancel();
      if (res.status !== 403) leaks.push(`${label(route)} → ${String(res.status)}`);
    }
    expect(leaks).toEqual([]);
  });

  describe('role escalation attempts', () => {
    const roleOf = async (id: string): Promise<string | undefined> =>
      (await h.pool.query<{ role: string }>('select role from users where id = $1', [id])).rows[0]?.role;

    it('when a viewer sends role through PATCH /users/me/preferences, then 400 names role and the role is unchanged', async () => {
      for (const body of [{ role: 'admin' }, { theme: 'dark', role: 'admin' }]) {
        const res = await h.call('PATCH', '/api/v1/users/me/preferences', {
          token: viewer.accessToken,
          body,
        });
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ field: 'role' });
      }
      expect(await roleOf(viewer.user.id)).toBe('viewer');
      const me = await h.call('GET', '/api/v1/users/me', { token: viewer.accessToken });
      expect(await me.json()).toMatchObject({ role: 'viewer' });
    });

    it('when a viewer tries PATCH /users/:id on themselves, then 403, role unchanged and no user.updated audit row', async () => {
      const before = (
        await h.pool.query("select count(*)::text as n from audit_log where action = 'user.updated'")
      ).rows;
      const res = await h.call('PATCH', `/api/v1/users/${viewer.user.id}`, {
        token: viewer.accessToken,
        body: { role: 'admin' },
      });
      expect(res.status).toBe(403);
      expect(await roleOf(viewer.user.id)).toBe('viewer');
      const after = (
        await h.pool.query("select count(*)::text as n from audit_log where action = 'user.updated'")
      ).rows;
      expect(after).toEqual(before);
    });

    it("when an admin demotes a user, then that user's existing access token loses the role at the next request", async () => {
      const op = await registerAndLogin(h, uniqueEmail('operator'));
      await h.call('PATCH', `/api/v1/users/${op.user.id}`, {
        token: admin.accessToken,
        body: { role: 'admin' },
      });
      expect((await h.call('GET', '/api/v1/api-keys', { token: op.accessToken })).status).toBe(200);
      await h.call('PATCH', `/api/v1/users/${op.user.id}`, {
        token: admin.accessToken,
        body: { role: 'viewer' },
      });
      expect((await h.call('GET', '/api/v1/api-keys', { token: op.accessToken })).status).toBe(403);
    });
  });

  describe('API keys', () => {
    it('when an admin creates a key, then it is shown once, stored only as a hash, works as Bearer and X-API-Key with its role, and stops when revoked', async () => {
      const created = await h.call('POST', '/api/v1/api-keys', {
        token: admin.accessToken,
        body: { name: 'ci pipeline', role: 'operator' },
      });
      expect(created.status).toBe(201);
      const key = (await created.json()) as { id: string; key: string; role: string; prefix: string };
      expect(key.key).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
      expect(key.role).toBe('operator');
      const { rows } = await h.pool.query<{ key_hash: string }>(
        'select key_hash from api_keys where id = $1',
        [key.id],
      );
      expect(rows[0]?.key_hash).toBe(createHash('sha256').update(key.key).digest('hex'));
      const listed = await (await h.call('GET', '/api/v1/api-keys', { token: admin.accessToken })).text();
      expect(listed).toContain(key.id);
      expect(listed).not.toContain(key.key);
      expect((await h.audit('auth.api_key_created')).at(-1)).toMatchObject({
        actor_id: admin.user.id,
        resource_id: key.id,
      });

      // An operator key may not manage keys (admin only), as Bearer or as X-API-Key.
      expect((await h.call('GET', '/api/v1/api-keys', { token: key.key })).status).toBe(403);
      expect((await h.call('GET', '/api/v1/api-keys', { headers: { 'x-api-key': key.key } })).status).toBe(
        403,
      );
      const admKey = (await (
        await h.call('POST', '/api/v1/api-keys', {
          token: admin.accessToken,
          body: { name: 'ops', role: 'admin' },
        })
      ).json()) as { id: string; key: string };
      expect((await h.call('GET', '/api/v1/api-keys', { headers: { 'x-api-key': admKey.key } })).status).toBe(
        200,
      );

      const revoked = await h.call('DELETE', `/api/v1/api-keys/${admKey.id}`, { token: admin.accessToken });
      expect(revoked.status).toBe(204);
      expect((await h.audit('auth.api_key_revoked')).at(-1)?.resource_id).toBe(admKey.id);
      expect((await h.call('GET', '/api/v1/api-keys', { headers: { 'x-api-key': admKey.key } })).status).toBe(
        401,
      );
    });

    it('when a viewer tries to create an admin key, then 403 and no key exists (escalation attempt)', async () => {
      const before = await h.pool.query('select id from api_keys');
      const res = await h.call('POST', '/api/v1/api-keys', {
        token: viewer.accessToken,
        body: { name: 'me', role: 'admin' },
      });
      expect(res.status).toBe(403);
      const after = await h.pool.query('select id from api_keys');
      expect(after.rows).toEqual(before.rows);
    });

    it('when a key is created with an unknown role or no name, then 400 names the field', async () => {
      const res = await h.call('POST', '/api/v1/api-keys', {
        token: admin.accessToken,
        body: { name: 'x', role: 'root' },
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field: 'role' });
      const noName = await h.call('POST', '/api/v1/api-keys', {
        token: admin.accessToken,
        body: { role: 'viewer' },
      });
      expect(await noName.json()).toMatchObject({ field: 'name' });
    });
  });

  describe('headers and CORS', () => {
    it('when any response is sent, then it carries the security headers', async () => {
      for (const path of ['/livez', '/api/v1/api-keys', '/nope']) {
        const res = await h.call('GET', path);
        await res.body?.cancel();
        expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        // Plain http here: no HSTS (it is only sent over https).
        expect(res.headers.get('strict-transport-security')).toBeNull();
      }
      // Behind a TLS-terminating proxy (trusted on loopback), HSTS is sent.
      const https = await h.call('GET', '/livez', { headers: { 'x-forwarded-proto': 'https' } });
      expect(https.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    });

    it('when the console origin sends a preflight, then it is allowed; any other origin is refused and gets no CORS headers', async () => {
      const ok = await h.call('OPTIONS', '/api/v1/auth/login', {
        headers: { origin: 'http://console.test:5173', 'access-control-request-method': 'POST' },
      });
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe('http://console.test:5173');
      expect(ok.headers.get('access-control-allow-headers')).toContain('Authorization');
      const evil = await h.call('OPTIONS', '/api/v1/auth/login', {
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(evil.status).toBe(403);
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
      const simple = await h.call('GET', '/livez', { headers: { origin: 'https://evil.example' } });
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
