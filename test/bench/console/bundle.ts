// What a browser downloads for each route of the console, from Vite's build manifest: the entry
// chunk and its static imports, plus the route's lazy page chunk and its static imports (the
// initial JavaScript of that route), and what the page then loads lazily (charts). Sizes are
// gzip at level 9 of the built files, as served; PatternFly's CSS is reported on its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CONSOLE_DIST } from '../../../hack/console-build.ts';

interface ManifestChunk {
  file: string;
  src?: string;
  name?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}
type Manifest = Record<string, ManifestChunk>;

export interface RouteSize {
  route: string;
  /** Initial JS: the entries + the route's page chunk, with every static import, gzip bytes. */
  jsGzip: number;
  /** Also what the page loads lazily right after (charts), gzip bytes. */
  withLazyGzip: number;
  cssGzip: number;
  files: string[];
}

const gz = new Map<string, number>();
function gzipSize(file: string): number {
  let n = gz.get(file);
  if (n === undefined) {
    n = gzipSync(readFileSync(join(CONSOLE_DIST, file)), { level: 9 }).length;
    gz.set(file, n);
  }
  return n;
}

function manifest(): Manifest {
  return JSON.parse(readFileSync(join(CONSOLE_DIST, '.vite', 'manifest.json'), 'utf8')) as Manifest;
}

/** The chunk keys a chunk pulls in statically (itself included). */
function closure(m: Manifest, key: string, seen = new Set<string>()): Set<string> {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const i of m[key]?.imports ?? []) closure(m, i, seen);
  return seen;
}

/**
 * A lazy panel of a page (charts), not another route's page that the entry can load, nor the
 * assistant's panel (loaded when someone opens it, not right after the page).
 */
function isPanel(m: Manifest, key: string): boolean {
  const src = m[key]?.src ?? '';
  return src.includes('/features/') && !src.endsWith('Page.tsx') && !src.includes('/features/assistant/');
}

function lazyOf(m: Manifest, keys: Set<string>): Set<string> {
  const panels = [...keys].flatMap((k) => (m[k]?.dynamicImports ?? []).filter((d) => isPanel(m, d)));
  const out = new Set<string>();
  for (const d of panels) for (const c of closure(m, d)) if (!keys.has(c)) out.add(c);
  return out;
}

function sum(m: Manifest, keys: Iterable<string>, pick: (c: ManifestChunk) => string[]): number {
  let n = 0;
  const files = new Set<string>();
  for (const k of keys) for (const f of pick(m[k] ?? { file: '' })) files.add(f);
  for (const f of files) if (f) n += gzipSize(f);
  return n;
}

/** Initial JS per route (the entry plus the route's page), for the page files given. */
export function routeSizes(pages: Record<string, string>): RouteSize[] {
  const m = manifest();
  // The HTML's entry and the boot script, both loaded by every page.
  const entries = Object.keys(m).filter((k) => m[k]?.isEntry);
  if (entries.length === 0) throw new Error('no entry chunk in the build manifest');
  return Object.entries(pages).map(([route, src]) => {
    const page = Object.keys(m).find((k) => k.endsWith(src));
    if (!page) throw new Error(`no chunk for ${src} in the build manifest`);
    const keys = new Set([...entries.flatMap((e) => [...closure(m, e)]), ...closure(m, page)]);
    const lazy = lazyOf(m, keys);
    return {
      route,
      jsGzip: sum(m, keys, (c) => [c.file]),
      withLazyGzip: sum(m, [...keys, ...lazy], (c) => [c.file]),
      cssGzip: sum(m, keys, (c) => c.css ?? []),
      files: [...keys].map((k) => m[k]?.file ?? k),
    };
  });
}

/** Every JS chunk of the build with its gzip size, largest first. */
export function chunkSizes(): { file: string; name: string; gzip: number }[] {
  const m = manifest();
  return Object.values(m)
    .filter((c) => c.file.endsWith('.js'))
    .map((c) => ({
      file: c.file,
      name: c.isEntry ? `entry (${c.src ?? c.file})` : (c.src ?? c.name ?? c.file),
      gzip: gzipSize(c.file),
    }))
    .sort((a, b) => b.gzip - a.gzip);
}
