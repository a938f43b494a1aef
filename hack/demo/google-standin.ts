// "Sign in with Google" in the local demo: a real OpenID Connect provider (oidc-provider) on
// loopback standing in for Google, which cannot be reached from a demo. The API talks to it with
// the same code and settings as to accounts.google.com (OIDC_PROVIDER=google, its issuer, a
// client id and secret, the callback URL). Its sign-in page says plainly that it is a stand-in,
// and asks only for the address to sign in as (marked verified, as Google's are), so anyone
// can try the flow: a new address becomes an account under the demo's open sign-up.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { grantConsent, oidcProvider } from '../testenv/oidc-provider.ts';

export interface GoogleStandIn {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  close(): Promise<void>;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);

function signInPage(uid: string, error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sign in (Google stand-in)</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f2f2f2;color:#151515}main{max-width:440px;margin:48px auto;background:#fff;padding:32px;border:1px solid #d2d2d2}
h1{font-size:22px;margin:0 0 8px}.note{background:#faf0c8;border-left:4px solid #dca614;padding:8px 12px;margin:16px 0}label{display:block;font-weight:600;margin:16px 0 4px}
input{width:100%;box-sizing:border-box;padding:8px;font:inherit;border:1px solid #8a8d90}button{margin-top:16px;padding:8px 16px;font:inherit;background:#0066cc;color:#fff;border:0;border-radius:4px}
.error{color:#a30000}@media (prefers-color-scheme:dark){body{background:#1b1d21;color:#e0e0e0}main{background:#292e34;border-color:#444}.note{background:#3d2c00}input{background:#1b1d21;color:#e0e0e0}}</style></head>
<body><main><h1>Sign in with Google</h1>
<p class="note"><strong>This is not Google.</strong> The PayFlow demo runs this stand-in on your machine, because Google cannot be reached from a local demo. PayFlow talks to it exactly as it would to Google. No password is asked: enter any address to sign in as.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}"><label for="email">Email address</label>
<input id="email" name="email" type="email" required autocomplete="email" placeholder="someone@example.com">
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}<button type="submit">Continue</button></form></main></body></html>`;
}

async function formEmail(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 4096) break;
  }
  return (new URLSearchParams(body).get('email') ?? '').trim().toLowerCase();
}

/** Starts the stand-in on a free loopback port for the API's callback URL. */
export async function startGoogleStandIn(redirectUri: string): Promise<GoogleStandIn> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const clientId = 'payflow-demo';
  const clientSecret = randomBytes(24).toString('base64url');
  const provider = oidcProvider({
    issuer,
    clientId,
    clientSecret,
    redirectUri,
    // The subject is the address itself: the same address signs in as the same identity.
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, email: sub, email_verified: true, name: sub.split('@')[0] }),
    }),
  });
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      if (req.method !== 'POST') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(signInPage(uid));
        return;
      }
      const email = await formEmail(req);
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        res.end(signInPage(uid, 'Enter an email address, such as someone@example.com.'));
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: email } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    // Consent: the demo's one client gets what it asks for.
    const grantId = await grantConsent(provider, details.session?.accountId ?? '', clientId);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const uid = /^\/interaction\/([\w-]+)$/.exec(req.url ?? '')?.[1];
    if (uid) {
      interaction(req, res, uid).catch((err: unknown) => {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(
          `This sign-in cannot go on (${(err as Error).message}). Start again from PayFlow's sign-in page.`,
        );
      });
      return;
    }
    void callback(req, res);
  });

  return {
    issuer,
    clientId,
    clientSecret,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
