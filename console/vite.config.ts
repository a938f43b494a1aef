import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** Where `npm run dev` sends /api, /livez, /readyz and /metrics: a running PayFlow API. */
const apiTarget = process.env.PAYFLOW_API_URL ?? 'http://127.0.0.1:8080';

const COMPRESSIBLE = /\.(js|css|html|svg|json|map)$/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Writes `.br` and `.gz` siblings of every text asset after the build, so the API serves
 * compressed files without compressing per request.
 */
function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'payflow-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      for (const file of filesUnder(outDir)) {
        if (!COMPRESSIBLE.test(file)) continue;
        const body = readFileSync(file);
        if (body.length < 1024) continue;
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

const BOOT_SRC = 'src/boot.ts';

/**
 * The boot script (src/boot.ts) as a chunk of its own, first in the page's head: a classic script,
 * so that it runs as soon as it is parsed (a module script would wait for the end of parsing, and
 * an async one may run after the main bundle), while the main bundle still loads. In a build, its
 * hashed file from the bundle, which must hold no import or export; on the dev server, the
 * source as a module (the dev server serves nothing else). In a build, the main bundle's script
 * becomes a preload the boot script runs once its first requests are sent.
 */
function bootScript(): Plugin {
  return {
    name: 'payflow-boot-script',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.bundle)
          return [
            { tag: 'script', attrs: { type: 'module', src: `/${BOOT_SRC}` }, injectTo: 'head-prepend' },
          ];
        const chunk = Object.values(ctx.bundle).find(
          (c) => c.type === 'chunk' && c.isEntry && c.facadeModuleId?.endsWith(BOOT_SRC) === true,
        );
        if (chunk?.type !== 'chunk') throw new Error(`no chunk for ${BOOT_SRC} in the build`);
        if (/^\s*(import|export)\b/m.test(chunk.code) || chunk.imports.length > 0)
          throw new Error(`${BOOT_SRC} must build to a classic script: no imports, no exports`);
        // The main bundle is preloaded only, ahead of the boot script, which runs it (src/boot.ts, startMain).
        const main = /<script type="module" crossorigin src="([^"]+)"><\/script>\s*/;
        const src = main.exec(html)?.[1];
        if (!src) throw new Error('no main module script in index.html to hand to the boot script');
        return {
          html: html.replace(main, ''),
          tags: [
            {
              tag: 'link',
              attrs: { rel: 'modulepreload', crossorigin: true, href: src, 'data-payflow-main': true },
              injectTo: 'head-prepend',
            },
            { tag: 'script', attrs: { src: `/${chunk.fileName}` }, injectTo: 'head-prepend' },
          ],
        };
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), precompress(), bootScript()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // dist/.vite/manifest.json: which chunks each route loads (the console benchmark reads it; never served)
    manifest: true,
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        boot: resolve(import.meta.dirname, BOOT_SRC),
      },
    },
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(
      ['/api', '/livez', '/readyz', '/metrics'].map((p) => [p, { target: apiTarget, changeOrigin: false }]),
    ),
  },
});
