// The API for the tests of the tools that call it (loadtest, chaos): its real authentication on
// a database of the test's own, and an API key with the operator role made through it.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { loadApiConfig } from '@payflow/api/config';
import { startApi, type RunningApi } from '../../api/src/server.ts';

export interface ToolsApi {
  readonly api: RunningApi;
  readonly url: string;
  /** An API key with the operator role, made through the API by the first admin. */
  readonly token: string;
  close(): Promise<void>;
}

export async function startToolsApi(databaseUrl: string, redisUrl: string): Promise<ToolsApi> {
  const email = `admin.${randomBytes(4).toString('hex')}@example.test`;
  const password = 'configured admin password';
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const api = await startApi(
    loadApiConfig({
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ADMIN_EMAIL: email,
      ADMIN_PASSWORD: password,
      APP_BASE_URL: 'http://127.0.0.1:8080',
      // The tools' own traffic is what these tests measure and check, not the limiter.
      RATE_LIMIT_PER_MINUTE: '0',
    }),
  );
  const json = { 'content-type': 'application/json' };
  const login = await fetch(`${api.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`admin login answered ${String(login.status)}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const made = await fetch(`${api.url}/api/v1/api-keys`, {
    method: 'POST',
    headers: { ...json, authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ name: 'operator tools', role: 'operator' }),
  });
  if (made.status !== 201) throw new Error(`API key creation answered ${String(made.status)}`);
  const { key } = (await made.json()) as { key: string };
  return { api, url: api.url, token: key, close: async () => api.close() };
}
