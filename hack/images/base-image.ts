// A local stand-in for the Dockerfile's default base image (node:24-bookworm-slim), for machines
// that reach no container registry: a Debian bookworm minbase root filesystem from mmdebstrap
// (Debian's packages), with docs, man pages and locales left out as the slim images do, and no
// ca-certificates (the official slim image removes them; Node has its own CA store), plus
// Node.js from the npm registry's node-linux-<arch> package (the binary hack/with-node uses)
// and npm itself, at /usr/local as in the official image. Imported into podman's storage and
// saved under ~/.cache/payflow/images, keyed by everything that goes into it, so a second run
// (or a fresh podman storage) takes seconds.
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '../testenv/binaries.ts';
import { ensureDebianPackage } from '../testenv/debian.ts';
import { ensurePodman, exec, imageExists, podman } from './podman.ts';

export const NODE_VERSION = process.env.PAYFLOW_NODE_VERSION ?? '24.21.0';
export const NPM_VERSION = '11.19.1';
const SUITE = 'bookworm';
const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';

const DPKG_SLIM = [
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/locale/*',
  'path-include=/usr/share/locale/locale.alias',
  'path-exclude=/usr/share/lintian/*',
];

/** What the image is made from; any change gives a new tag and a new cache entry. */
function cacheKey(): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ NODE_VERSION, NPM_VERSION, SUITE, ARCH, DPKG_SLIM }));
  h.update(readFileSync(import.meta.filename));
  return h.digest('hex').slice(0, 12);
}

export function baseImageRef(): string {
  return `localhost/payflow-node-base:${NODE_VERSION}-${cacheKey()}`;
}

function cachedArchive(): string {
  return join(cacheDir(), 'images', `payflow-node-base-${NODE_VERSION}-${cacheKey()}.tar`);
}

/** Unpacks an npm package (npm pack, then tar) into dir/package. */
async function npmPackage(spec: string, dir: string): Promise<string> {
  const { stdout } = await exec('npm', ['pack', '--silent', spec], { cwd: dir });
  const file = stdout.trim().split('\n').pop() ?? '';
  const out = join(dir, spec.replace(/[^a-z0-9.-]/gi, '_'));
  mkdirSync(out);
  await exec('tar', ['-xzf', join(dir, file), '-C', out]);
  return join(out, 'package');
}

async function build(ref: string, log: (m: string) => void): Promise<void> {
  await ensureDebianPackage('mmdebstrap', '/usr/bin/mmdebstrap');
  const work = mkdtempSync(join(tmpdir(), 'payflow-base-'));
  try {
    const rootfs = join(work, 'rootfs');
    const started = Date.now();
    await exec('mmdebstrap', [
      '--variant=minbase',
      '--mode=root',
      '--dpkgopt=force-unsafe-io',
      ...DPKG_SLIM.map((o) => `--dpkgopt=${o}`),
      SUITE,
      rootfs,
    ]);
    log(`debian ${SUITE} minbase root filesystem in ${String(Math.round((Date.now() - started) / 1000))} s`);
    const node = await npmPackage(`node-linux-${ARCH}@${NODE_VERSION}`, work);
    const npm = await npmPackage(`npm@${NPM_VERSION}`, work);
    const local = join(rootfs, 'usr', 'local');
    cpSync(join(node, 'bin', 'node'), join(local, 'bin', 'node'));
    mkdirSync(join(local, 'lib', 'node_modules'), { recursive: true });
    cpSync(npm, join(local, 'lib', 'node_modules', 'npm'), { recursive: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin', 'npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin', 'npx'));
    // apt's lists and caches are already cleaned by mmdebstrap; nothing under /tmp or /var/tmp.
    const tar = join(work, 'rootfs.tar');
    await exec('tar', ['--numeric-owner', '--xattrs', '-C', rootfs, '-cf', tar, '.']);
    await podman([
      'import',
      '--change',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change',
      `ENV NODE_VERSION=${NODE_VERSION}`,
      '--change',
      'CMD ["node"]',
      '--change',
      `LABEL org.opencontainers.image.description=Debian ${SUITE} minbase with Node.js ${NODE_VERSION} and npm ${NPM_VERSION} (local stand-in for node:24-${SUITE}-slim)`,
      tar,
      ref,
    ]);
    mkdirSync(join(cacheDir(), 'images'), { recursive: true });
    const partial = `${cachedArchive()}.${String(process.pid)}.partial`;
    await podman(['save', '--format', 'docker-archive', '-o', partial, ref]);
    renameSync(partial, cachedArchive());
    log(`base image ${ref} built in ${String(Math.round((Date.now() - started) / 1000))} s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The local base image: from podman's storage when there, else loaded from the cache, else
 * built (and cached). Returns its reference, for `--build-arg BASE_IMAGE=`.
 */
export async function ensureBaseImage(log: (m: string) => void = () => undefined): Promise<string> {
  await ensurePodman();
  const ref = baseImageRef();
  if (await imageExists(ref)) return ref;
  if (existsSync(cachedArchive())) {
    await podman(['load', '-i', cachedArchive()]);
    if (await imageExists(ref)) {
      log(`base image ${ref} loaded from ${cachedArchive()}`);
      return ref;
    }
  }
  log(`building the base image ${ref} (mmdebstrap + Node ${NODE_VERSION}; cold cache, about a minute)…`);
  await build(ref, log);
  return ref;
}
