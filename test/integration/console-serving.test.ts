import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-B1x2c3d4.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify('payflow console '.repeat(200))});`;
const SECRET = 'outside the dist: must never be served';

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request with the path sent exactly as written (fetch would normalise `..`), body undecoded. */
async function raw(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Raw> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A dist folder as `vite build` leaves it, with precompressed siblings, beside a file it must not leak. */
async function makeDist(): Promise<{ top: string; dist: string }> {
  const top = await mkdtemp(join(tmpdir(), 'payflow-console-'));
  const dist = join(top, 'dist');
  await mkdir(join(dist, 'assets'), { recursive: true });
  await writeFile(join(top, 'secret.txt'), SECRET);
  await writeFile(join(dist, 'index.html'), INDEX);
  await writeFile(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(dist, '.env'), SECRET);
  await writeFile(join(dist, 'assets', 'index-B1x2c3d4.js'), SCRIPT);
  await writeFile(join(dist, 'assets', 'index-B1x2c3d4.js.gz'), gzipSync(SCRIPT));
  await writeFile(join(dist, 'assets', 'index-B1x2c3d4.js.br'), brotliCompressSync(SCRIPT));
  await writeFile(join(dist, 'assets', 'index-Zz9y8x7w.css'), 'body{margin:0}');
  await symlink(join(top, 'secret.txt'), join(dist, 'assets', 'leak.js'));
  return { top, dist };
}

const header = (r: Raw, name: string): string => {
  const v = r.headers[name];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
};

function expectConsolePage(r: Raw): void {
  expect(r.status).toBe(200);
  expect(header(r, 'content-type')).toBe('text/html; charset=utf-8');
  expect(header(r, 'cache-control')).toBe('no-cache');
  const csp = header(r, 'content-security-policy');
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self';");
  expect(csp).toContain("style-src 'self' 'unsafe-inline'");
  expect(csp).toContain("connect-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(header(r, 'x-frame-options')).toBe('DENY');
  expect(header(r, 'x-content-type-options')).toBe('nosniff');
  expect(header(r, 'referrer-policy')).toBe('no-referrer');
}

function expectApiNotFound(r: Raw): void {
  expect(r.status).toBe(404);
  expect(header(r, 'content-type')).toMatch(/^application\/problem\+json/);
  expect(header(r, 'content-security-policy')).toContain("default-src 'none'");
  expect(r.body.toString()).not.toContain('<!doctype html>');
}

describe('the console served by the API', () => {
  let t: OpsApi;
  let top: string;

  beforeAll(async () => {
    const made = await makeDist();
    top = made.top;
    t = await startOpsApi({ CONSOLE_DIST_DIR: made.dist });
  });
  afterAll(async () => {
    await t.close();
    await rm(top, { recursive: true, force: true });
  });

  it('when a browser opens /, then it gets index.html, revalidated on every load, with the console CSP', async () => {
    const r = await raw(t.api.url, '/', { accept: BROWSER });
    expectConsolePage(r);
    expect(r.body.toString()).toBe(INDEX);
  });

  it('when a JSON client (or a bare wildcard Accept) opens /, then it still gets the links', async () => {
    for (const accept of ['application/json', '*/*']) {
      const r = await raw(t.api.url, '/', { accept });
      expect(r.status, accept).toBe(200);
      expect(header(r, 'content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(r.body.toString())).toMatchObject({
        service: 'payflow-api',
        links: { openapi: '/api/v1/openapi.json', livez: '/livez' },
      });
      expect(header(r, 'content-security-policy')).toContain("default-src 'none'");
    }
  });

  it('when a browser opens a deep link, then index.html answers it (history fallback), for GET and HEAD', async () => {
    for (const path of ['/payments/pay_123?state=settled', '/rules', '/payments/pay_123/', '/index.html']) {
      const r = await raw(t.api.url, path, { accept: BROWSER });
      expectConsolePage(r);
      expect(r.body.toString(), path).toBe(INDEX);
    }
    const head = await raw(t.api.url, '/payments/pay_123', { accept: BROWSER }, 'HEAD');
    expectConsolePage(head);
    expect(head.body.length).toBe(0);
  });

  it('when index.html is asked again with its ETag, then the answer is 304', async () => {
    const first = await raw(t.api.url, '/payments', { accept: BROWSER });
    const again = await raw(t.api.url, '/payments', {
      accept: BROWSER,
      'if-none-match': header(first, 'etag'),
    });
    expect(header(first, 'etag')).not.toBe('');
    expect(again.status).toBe(304);
  });

  it('when a non-HTML client asks for a deep link, or anything but GET/HEAD comes, then it is the API 404 problem', async () => {
    expectApiNotFound(await raw(t.api.url, '/payments/pay_123', { accept: 'application/json' }));
    expectApiNotFound(await raw(t.api.url, '/payments/pay_123', { accept: '*/*' }));
    expectApiNotFound(await raw(t.api.url, '/payments/pay_123', { accept: BROWSER }, 'POST'));
    expectApiNotFound(await raw(t.api.url, '/', { accept: BROWSER }, 'DELETE'));
  });

  it('when a hashed asset is fetched, then it is immutable for a year and the brotli, gzip or plain file is sent as accepted', async () => {
    const path = '/assets/index-B1x2c3d4.js';
    const br = await raw(t.api.url, path, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(header(br, 'content-encoding')).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT);
    const gz = await raw(t.api.url, path, { 'accept-encoding': 'gzip' });
    expect(header(gz, 'content-encoding')).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(SCRIPT);
    const plain = await raw(t.api.url, path, { 'accept-encoding': 'identity' });
    expect(header(plain, 'content-encoding')).toBe('');
    expect(plain.body.toString()).toBe(SCRIPT);
    const none = await raw(t.api.url, path);
    expect(none.body.toString()).toBe(SCRIPT);
    for (const r of [br, gz, plain, none]) {
      expect(header(r, 'content-type')).toBe('text/javascript; charset=utf-8');
      expect(header(r, 'cache-control')).toBe('public, max-age=31536000, immutable');
      expect(header(r, 'vary')).toMatch(/Accept-Encoding/);
      expect(header(r, 'content-length')).toBe(String(r.body.length));
    }
    expect(br.body.length).toBeLessThan(plain.body.length);
    const css = await raw(t.api.url, '/assets/index-Zz9y8x7w.css', { 'accept-encoding': 'br, gzip' });
    expect(header(css, 'content-type')).toBe('text/css; charset=utf-8');
    expect(header(css, 'content-encoding')).toBe('');
    expect(css.body.toString()).toBe('body{margin:0}');
  });

  it('when an asset does not exist, then it is a 404, never index.html, even for a browser', async () => {
    for (const path of ['/assets/index-gone0000.js', '/assets/', '/assets']) {
      expectApiNotFound(await raw(t.api.url, path, { accept: BROWSER }));
    }
  });

  it('when the favicon is fetched, then it is cached for an hour with its type and the strict policy', async () => {
    const r = await raw(t.api.url, '/favicon.svg', { accept: 'image/avif,image/webp,*/*' });
    expect(r.status).toBe(200);
    expect(header(r, 'content-type')).toBe('image/svg+xml');
    expect(header(r, 'cache-control')).toBe('public, max-age=3600');
    expect(header(r, 'content-security-policy')).toContain("default-src 'none'");
  });

  it('when a browser calls API, probe and metrics paths, then they answer as without the console', async () => {
    expectApiNotFound(await raw(t.api.url, '/api/v1/nope', { accept: BROWSER }));
    expectApiNotFound(await raw(t.api.url, '/api/nope', { accept: BROWSER }));
    expectApiNotFound(await raw(t.api.url, '/livez/x', { accept: BROWSER }));
    const unauthorized = await raw(t.api.url, '/api/v1/transactions', { accept: BROWSER });
    expect(unauthorized.status).toBe(401);
    expect(header(unauthorized, 'content-type')).toMatch(/^application\/problem\+json/);
    const doc = await raw(t.api.url, '/api/v1/openapi.json', { accept: BROWSER });
    expect(JSON.parse(doc.body.toString())).toMatchObject({ openapi: '3.1.0' });
    expect(header(doc, 'content-security-policy')).toContain("default-src 'none'");
    const livez = await raw(t.api.url, '/livez', { accept: BROWSER });
    expect(JSON.parse(livez.body.toString())).toEqual({ status: 'ok' });
    const readyz = await raw(t.api.url, '/readyz', { accept: BROWSER });
    expect(JSON.parse(readyz.body.toString())).toMatchObject({ status: 'ok' });
    const metrics = await raw(t.api.url, '/metrics', { accept: BROWSER });
    expect(metrics.body.toString()).toContain('payflow_http_request_duration_seconds');
  });

  it('when a path tries to leave the dist folder or reach a hidden file, then it is refused and nothing outside is read', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets/leak.js',
      '/.env',
      '/%2eenv',
      '//secret.txt',
      '/assets/index-B1x2c3d4.js%00.html',
      '/%E0%A4%A',
    ];
    for (const path of attempts) {
      for (const accept of [BROWSER, '*/*']) {
        const r = await raw(t.api.url, path, { accept, 'accept-encoding': 'identity' });
        expect(r.status, `${path} ${accept}`).toBe(404);
        expect(r.body.toString(), path).not.toContain(SECRET);
        expect(r.body.toString(), path).not.toContain('<!doctype html>');
      }
    }
  });
});

describe('the API without a built console', () => {
  let t: OpsApi;
  let empty: string;

  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'payflow-no-console-'));
    t = await startOpsApi({ CONSOLE_DIST_DIR: empty });
  });
  afterAll(async () => {
    await t.close();
    await rm(empty, { recursive: true, force: true });
  });

  it('when a browser opens / or a deep link, then / answers the JSON links and the deep link the 404 problem', async () => {
    const root = await raw(t.api.url, '/', { accept: BROWSER });
    expect(root.status).toBe(200);
    expect(JSON.parse(root.body.toString())).toMatchObject({ service: 'payflow-api' });
    expectApiNotFound(await raw(t.api.url, '/payments/pay_123', { accept: BROWSER }));
  });
});
