import type { CookieOptions, Request } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { DomainError, NotFound } from '../domain/errors.ts';
import { defineRoute, problemSchema, type AnyRoute } from '../http/route.ts';
import { metaOf } from './authenticator.ts';
import { answerSession, setRefreshCookie } from './cookie-session.ts';
import { authFor } from './index.ts';
import { OIDC_COOKIE, type OidcLogin } from './oidc.ts';

const COOKIE_PATH = '/api/v1/auth/oauth';
const provider = z.object({ provider: z.string().regex(/^[a-z0-9-]{1,32}$/) });

function cookieOptions(oidc: OidcLogin): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'lax',
    secure: oidc.settings.redirectUri.startsWith('https:'),
    path: COOKIE_PATH,
  };
}

function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

const providersSchema = z
  .object({
    password: z.boolean().describe('Email and password sign-in (POST /api/v1/auth/login)'),
    oidc: z
      .array(
        z.object({
          id: z.string(),
          name: z.string().describe('For the sign-in button'),
          login_url: z.string().describe('Where the browser goes to start (a redirect to the provider)'),
        }),
      )
      .describe('The configured OpenID Connect providers; empty when none is'),
    demo: z
      .object({
        email: z.string().optional().describe('The demo sign-in the login page fills in'),
        password: z.string().optional(),
        mailbox_url: z
          .string()
          .optional()
          .describe("The demo's mailbox: where the mail the product sends lands"),
      })
      .optional()
      .describe('A local demo only (DEMO_SIGN_IN, DEMO_MAILBOX_URL); absent on an install'),
  })
  .meta({ id: 'AuthProviders' });

/** What the login page of a local demo shows: the demo sign-in and the mailbox, when configured. */
function demoHints(c: ApiDeps['config']): z.infer<typeof providersSchema>['demo'] {
  if (!c.DEMO_SIGN_IN && !c.DEMO_MAILBOX_URL) return undefined;
  const space = c.DEMO_SIGN_IN?.indexOf(' ') ?? -1;
  return {
    ...(c.DEMO_SIGN_IN && space > 0
      ? { email: c.DEMO_SIGN_IN.slice(0, space), password: c.DEMO_SIGN_IN.slice(space + 1) }
      : {}),
    ...(c.DEMO_MAILBOX_URL ? { mailbox_url: c.DEMO_MAILBOX_URL } : {}),
  };
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);

/** The page a browser sees when a sign-in with the provider is refused (403). */
export function refusalPage(title: string, detail: string, back: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · PayFlow</title></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>
<p><a href="${escapeHtml(back)}">Back to sign-in</a></p></main></body></html>`;
}

/** The button label of a provider: Google for `google`, else its id capitalised. */
export function providerName(id: string): string {
  return id === 'google' ? 'Google' : `${id.slice(0, 1).toUpperCase()}${id.slice(1)}`;
}

/**
 * `GET /api/v1/auth/oauth/:provider` and its callback, for the configured
 * OpenID Connect issuer (named `google` by default; any issuer works).
 */
export function oidcRoutes(deps: ApiDeps): AnyRoute[] {
  const auth = authFor(deps);
  const configured = (name: string): OidcLogin => {
    if (auth.oidc?.settings.provider !== name) throw new NotFound('identity provider', name);
    return auth.oidc;
  };
  const tags = ['auth'];
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/auth/providers',
      access: 'public',
      scope: 'none',
      summary: 'How one can sign in here: password, and the configured OpenID Connect providers',
      tags,
      responses: { 200: { description: 'Sign-in methods', schema: providersSchema } },
      handler: () => {
        const id = auth.oidc?.settings.provider;
        const oidc = id ? [{ id, name: providerName(id), login_url: `/api/v1/auth/oauth/${id}` }] : [];
        const demo = demoHints(deps.config);
        return Promise.resolve({ status: 200, body: { password: true, oidc, ...(demo ? { demo } : {}) } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/auth/oauth/:provider',
      access: 'public',
      scope: 'none',
      summary: 'Start signing in with an OpenID Connect provider (redirects to it)',
      tags,
      params: provider,
      query: z.strictObject({
        invitation: z
          .string()
          .min(16)
          .max(512)
          .optional()
          .describe(
            'An invitation link token: the sign-in accepts it (the provider must confirm the invited address)',
          ),
      }),
      responses: {
        302: { description: 'To the provider' },
        404: { description: 'Not configured', schema: problemSchema },
      },
      handler: async ({ params, query, res }) => {
        const oidc = configured(params.provider);
        const { url, cookie } = await oidc.start(query.invitation);
        res.cookie(OIDC_COOKIE, cookie, { ...cookieOptions(oidc), maxAge: 600_000 });
        return { status: 302, headers: { Location: url } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/auth/oauth/:provider/callback',
      access: 'public',
      scope: 'none',
      summary:
        'The provider redirects here; answers tokens (JSON), or for a browser sets the HttpOnly refresh cookie pf_refresh and redirects to the console (which then calls POST /api/v1/auth/refresh with X-PayFlow-Session: cookie)',
      tags,
      params: provider,
      responses: {
        200: { description: 'Signed in (Accept: application/json)' },
        303: {
          description:
            'Signed in; the refresh cookie set, to <console>/oauth/callback (no tokens in the URL)',
        },
        401: { description: 'State, nonce or code refused', schema: problemSchema },
        403: {
          description:
            'Email not verified by the provider, account disabled, or an identity no account has while the sign-up policy refuses it (code signup_by_invitation or signup_domain_not_allowed; nothing is created). A browser (Accept: text/html) gets an HTML page saying so.',
          schema: problemSchema,
        },
      },
      handler: async ({ params, req, res }) => {
        const oidc = configured(params.provider);
        const cookies = req.cookies as Record<string, string | undefined>;
        res.clearCookie(OIDC_COOKIE, cookieOptions(oidc));
        const query = new URL(req.originalUrl, 'http://callback').search;
        const base = deps.config.CONSOLE_ORIGIN ?? deps.config.APP_BASE_URL;
        let session;
        try {
          session = await oidc.finish(query, cookies[OIDC_COOKIE], metaOf(req));
        } catch (err) {
          // A browser gets a page that says why, not a JSON problem.
          if (wantsJson(req) || !(err instanceof DomainError) || err.status !== 403) throw err;
          res
            .status(403)
            .type('html')
            .send(refusalPage(err.title, err.detail, `${base}/login`));
          return undefined;
        }
        const ctx = { req, res, config: deps.config };
        if (wantsJson(req)) return { status: 200, body: answerSession(ctx, session, false) };
        // No token in the URL (history, logs, Referer): the cookie carries the session.
        setRefreshCookie(ctx, session);
        return { status: 303, headers: { Location: `${base}/oauth/callback` } };
      },
    }),
  ];
}
