import { describe, expect, it } from 'vitest';
import {
  ASSET_CACHE,
  CONSOLE_CSP,
  FILE_CACHE,
  INDEX_CACHE,
  cacheControlFor,
  contentTypeOf,
  distRelative,
  isServerPath,
} from './console.ts';

describe('console paths', () => {
  it('when a URL path names a file or a deep link, then its dist-relative path is returned', () => {
    expect(distRelative('/')).toBe('');
    expect(distRelative('/assets/index-B1x2c3.js')).toBe('assets/index-B1x2c3.js');
    expect(distRelative('/favicon.svg')).toBe('favicon.svg');
    expect(distRelative('/payments/pay_123')).toBe('payments/pay_123');
    expect(distRelative('/payments/')).toBe('payments');
    expect(distRelative('/a%20b')).toBe('a b');
  });

  it('when a URL path could leave the dist folder or name a hidden file, then it is refused', () => {
    for (const bad of [
      '/../etc/passwd',
      '/assets/../../etc/passwd',
      '/%2e%2e/etc/passwd',
      '/%2e%2e%2fetc%2fpasswd',
      '/assets/%2E%2E/%2E%2E/package.json',
      '/..%5c..%5cetc%5cpasswd',
      '/assets/x%00.js',
      '/.env',
      '/assets/.hidden',
      '/./index.html',
      '//etc/passwd',
      '/assets//x.js',
      '/%E0%A4%A',
    ]) {
      expect(distRelative(bad), bad).toBeUndefined();
    }
  });

  it('when a path belongs to the API, a probe or the metrics, then it is a server path; other paths are not', () => {
    for (const p of ['/api', '/api/v1/transactions', '/livez', '/readyz', '/metrics', '/metrics/x']) {
      expect(isServerPath(p), p).toBe(true);
    }
    for (const p of ['/', '/apis', '/apikeys', '/livezz', '/payments/pay_1', '/assets/a.js']) {
      expect(isServerPath(p), p).toBe(false);
    }
  });

  it('when a file is served, then hashed assets are immutable, HTML revalidated and other files cached briefly', () => {
    expect(cacheControlFor('assets/index-B1x2c3.js')).toBe(ASSET_CACHE);
    expect(ASSET_CACHE).toBe('public, max-age=31536000, immutable');
    expect(cacheControlFor('index.html')).toBe(INDEX_CACHE);
    expect(INDEX_CACHE).toBe('no-cache');
    expect(cacheControlFor('favicon.svg')).toBe(FILE_CACHE);
    expect(FILE_CACHE).toBe('public, max-age=3600');
  });

  it('when a file is served, then its content type follows its extension, bytes when unknown', () => {
    expect(contentTypeOf('assets/a.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('assets/a.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('favicon.svg')).toBe('image/svg+xml');
    expect(contentTypeOf('assets/font.woff2')).toBe('font/woff2');
    expect(contentTypeOf('assets/blob.xyz')).toBe('application/octet-stream');
  });

  it('when the console policy is read, then scripts come from this origin only and nothing may frame it', () => {
    const directives = Object.fromEntries(
      CONSOLE_CSP.split('; ').map((d): [string, string] => {
        const [name = '', ...values] = d.split(' ');
        return [name, values.join(' ')];
      }),
    );
    expect(directives).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' data:",
      'font-src': "'self' data:",
      'connect-src': "'self'",
      'frame-ancestors': "'none'",
      'base-uri': "'self'",
      'form-action': "'self'",
      'object-src': "'none'",
    });
  });
});
