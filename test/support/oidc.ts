import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { grantConsent, oidcProvider } from '../../hack/testenv/oidc-provider.ts';

export interface IdpAccount {
  email: string;
  email_verified: boolean;
  name?: string;
}

export interface TestIdp {
  /** The issuer URL (`http://127.0.0.1:<port>`). */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Adds (or replaces) an account at the provider; returns its subject. */
  addAccount(account: IdpAccount): string;
  /** The subject the next login interaction signs in as. */
  signInAs(sub: string): void;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (`oidc-provider`) on loopback over plain http.
 * Its login and consent interactions complete by themselves as the account
 * chosen with signInAs(), so a test can drive the whole redirect dance with fetch.
 */
export async function startIdp(redirectUri: string): Promise<TestIdp> {
  const accounts = new Map<string, IdpAccount>();
  let next: string | undefined;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${String(port)}`;
  const clientId = 'payflow-test';
  const clientSecret = randomBytes(24).toString('base64url');
  const provider = oidcProvider({
    issuer,
    clientId,
    clientSecret,
    redirectUri,
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...account }) };
    },
  });
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      if (!next) throw new Error('signInAs() was not called before the login interaction');
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: next } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const accountId = details.session?.accountId ?? '';
    const grantId = await grantConsent(provider, accountId, clientId);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end((err as Error).message);
      });
      return;
    }
    void callback(req, res);
  });

  return {
    issuer,
    clientId,
    clientSecret,
    addAccount(account) {
      const sub = `sub-${randomBytes(6).toString('hex')}`;
      accounts.set(sub, account);
      return sub;
    },
    signInAs(sub) {
      next = sub;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

/** A minimal cookie jar per origin: enough to carry a browser's cookies across redirects. */
export class CookieJar {
  readonly #jars = new Map<string, Map<string, string>>();

  store(url: string, res: Response): void {
    const origin = new URL(url).origin;
    const jar = this.#jars.get(origin) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    this.#jars.set(origin, jar);
  }

  header(url: string): string {
    const jar = this.#jars.get(new URL(url).origin);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  get(url: string, name: string): string | undefined {
    return this.#jars.get(new URL(url).origin)?.get(name);
  }
}

/** Follows redirects by hand, carrying cookies, until one points at `stopAt`; returns that URL. */
export async function followUntil(start: string, stopAt: string, jar: CookieJar): Promise<string> {
  let url = start;
  for (let hop = 0; hop < 20; hop += 1) {
    if (url.startsWith(stopAt)) return url;
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    jar.store(url, res);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) {
      throw new Error(`stopped at ${url}: ${String(res.status)} ${await res.text()}`);
    }
    await res.body?.cancel();
    url = new URL(location, url).href;
  }
  throw new Error('too many redirects');
}
