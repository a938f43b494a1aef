// The browser console (the Vite build in console/dist) served by the API process, on the API's
// own origin: index.html for the root and for deep links (history fallback), the hashed assets
// cached for a year, and the build's precompressed `.br`/`.gz` siblings when the client takes them.
// API, probe and metrics paths are never touched, and nothing outside the dist folder is readable.
import { realpathSync, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../observability/logger.ts';

/** The repository's console build, beside the api package. */
export const DEFAULT_CONSOLE_DIST = fileURLToPath(new URL('../../../console/dist', import.meta.url));

/**
 * The policy of the console's HTML: its own scripts only; inline styles, because PatternFly and
 * the charts set style attributes; data: images and fonts (icons); requests to this origin only.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/** Content-hashed: a changed file gets a new name, so it may be kept for ever. */
export const ASSET_CACHE = 'public, max-age=31536000, immutable';
/** Revalidated on every use: a new build is picked up at the next load. */
export const INDEX_CACHE = 'no-cache';
/** Top-level files with stable names (favicon): a short while. */
export const FILE_CACHE = 'public, max-age=3600';

/** Content types of what a Vite build holds; anything else is served as bytes. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(rel: string): string {
  return TYPES[path.extname(rel).toLowerCase()] ?? 'application/octet-stream';
}

const SERVER_PATHS = ['/api', '/livez', '/readyz', '/metrics'];
const ENCODINGS = [
  { encoding: 'br', suffix: '.br' },
  { encoding: 'gzip', suffix: '.gz' },
] as const;

/** True for the paths the API answers itself (never the console's). */
export function isServerPath(urlPath: string): boolean {
  return SERVER_PATHS.some((p) => urlPath === p || urlPath.startsWith(`${p}/`));
}

/**
 * The dist-relative path a URL path names (`''` for the root), or undefined when it could
 * leave the folder or name a hidden file: `..`, `.` and dot-files, empty segments, backslashes,
 * NUL, or bad percent-encoding (checked after decoding, so `%2e%2e%2f` is refused too).
 */
export function distRelative(urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const segments = decoded.split('/').slice(1);
  if (segments.at(-1) === '') segments.pop();
  const unsafe = (s: string): boolean =>
    s === '' || s.startsWith('.') || s.includes('\\') || s.includes('\0');
  return segments.some(unsafe) ? undefined : segments.join('/');
}

/** True when the client prefers HTML to JSON: a browser; a bare wildcard Accept (curl, fetch) is JSON. */
export function prefersHtml(req: Request): boolean {
  return req.accepts(['json', 'html']) === 'html';
}

export function isAsset(rel: string): boolean {
  return rel === 'assets' || rel.startsWith('assets/');
}

export function cacheControlFor(rel: string): string {
  if (isAsset(rel)) return ASSET_CACHE;
  return rel.endsWith('.html') ? INDEX_CACHE : FILE_CACHE;
}

function inside(root: string, file: string): boolean {
  return file.startsWith(`${root}${path.sep}`);
}

/** True when `rel` is a regular file whose real location (symlinks followed) is inside the root. */
async function isFileIn(root: string, rel: string): Promise<boolean> {
  if (rel === '') return false;
  try {
    const real = await realpath(path.join(root, rel));
    return inside(root, real) && (await stat(real)).isFile();
  } catch {
    return false;
  }
}

/** The precompressed sibling the client accepts (brotli first), else the file itself. */
async function variantOf(
  req: Request,
  root: string,
  rel: string,
): Promise<{ rel: string; encoding?: string }> {
  for (const { encoding, suffix } of ENCODINGS) {
    if (req.acceptsEncodings(encoding) === encoding && (await isFileIn(root, `${rel}${suffix}`))) {
      return { rel: `${rel}${suffix}`, encoding };
    }
  }
  return { rel };
}

/** Sends one file of the dist; false when it vanished meanwhile (a rebuild), so a 404 follows. */
async function sendDistFile(req: Request, res: Response, root: string, rel: string): Promise<boolean> {
  const variant = await variantOf(req, root, rel);
  const headers: Record<string, string> = {
    'Content-Type': contentTypeOf(rel),
    'Cache-Control': cacheControlFor(rel),
  };
  if (variant.encoding) headers['Content-Encoding'] = variant.encoding;
  if (rel.endsWith('.html')) headers['Content-Security-Policy'] = CONSOLE_CSP;
  res.vary('Accept-Encoding');
  // `headers` are applied only when the file is really sent; send() decodes the path once more.
  const encoded = variant.rel.split('/').map(encodeURIComponent).join('/');
  return new Promise<boolean>((resolve, reject) => {
    res.sendFile(
      encoded,
      { root, dotfiles: 'allow', cacheControl: false, headers },
      (e?: Error & { code?: string; status?: number }) => {
        if (!e || res.headersSent || e.code === 'ECONNABORTED') resolve(true);
        else if (e.status === 404 || e.code === 'EISDIR' || e.code === 'ENOENT') resolve(false);
        else reject(e);
      },
    );
  });
}

/** What a path gets: a file of the dist, index.html (history fallback), or nothing (404). */
async function serve(req: Request, res: Response, root: string): Promise<boolean> {
  const rel = distRelative(req.path);
  if (rel === undefined) return false;
  if (await isFileIn(root, rel)) return sendDistFile(req, res, root, rel);
  // A missing asset is a 404, never the page; non-HTML clients get the API's answer.
  if (isAsset(rel) || !prefersHtml(req)) return false;
  return sendDistFile(req, res, root, 'index.html');
}

/**
 * Serves the console from `root` (a real path holding index.html) for GET and HEAD outside the
 * API's own paths; everything else passes on (the JSON links at `/`, the problem+json 404).
 */
export function consoleSite(root: string): RequestHandler {
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isServerPath(req.path)) {
      next();
      return;
    }
    serve(req, res, root).then((served) => {
      if (!served) next();
    }, next);
  };
}

/**
 * The console build to serve: CONSOLE_DIST_DIR, else the repository's console/dist; undefined
 * (logged once, at start) when it holds no index.html, and the API answers as without a console.
 */
export function consoleDistDir(configured: string | undefined, logger: Logger): string | undefined {
  const dir = path.resolve(configured ?? DEFAULT_CONSOLE_DIST);
  try {
    const real = realpathSync(dir);
    if (statSync(path.join(real, 'index.html')).isFile()) {
      logger.info({ dir: real }, 'serving the console');
      return real;
    }
  } catch {
    // Not built (or not there): said below.
  }
  const log = configured === undefined ? logger.info.bind(logger) : logger.warn.bind(logger);
  log({ dir }, 'console not built (no index.html there); the API serves no console');
  return undefined;
}
