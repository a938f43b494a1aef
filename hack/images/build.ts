// Builds the three images from the root Dockerfile with podman, on machines that reach no
// container registry and no npm registry from inside a build:
//   - the base image is the local stand-in of base-image.ts (BASE_IMAGE);
//   - the runtime dependencies (`npm ci --omit=dev`, one tree per component) and the console's
//     Vite build are made here, outside, and handed in as tar files (DEPS_FROM=prebuilt); the
//     dependency trees are cached under ~/.cache/payflow/images keyed by the lockfile.
// podman's layer cache makes a rebuild with unchanged inputs take seconds.
//
// Usage: node hack/images/build.ts [api|worker|controller …]   (default: all three)
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ensureConsoleBuilt, CONSOLE_DIST } from '../console-build.ts';
import { cacheDir } from '../testenv/binaries.ts';
import { ensureBaseImage } from './base-image.ts';
import { exec, podman, ulimitFlags } from './podman.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const COMPONENTS = ['api', 'worker', 'controller'] as const;
export type Component = (typeof COMPONENTS)[number];
const WORKSPACES = ['api', 'worker', 'controller', 'console'] as const;
const PREBUILT = join(ROOT, '.tmp', 'images', 'prebuilt');

export function imageRef(c: Component): string {
  return `localhost/payflow/${c}:dev`;
}

/** A tar whose bytes depend on the files only (names sorted, no times or owners). */
async function deterministicTar(dir: string, entries: readonly string[], out: string): Promise<void> {
  const partial = `${out}.${String(process.pid)}.partial`;
  await exec('tar', [
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--format=gnu',
    '-C',
    dir,
    '-cf',
    partial,
    ...entries,
  ]);
  renameSync(partial, out);
}

function manifests(): Buffer[] {
  return [
    readFileSync(join(ROOT, 'package.json')),
    readFileSync(join(ROOT, 'package-lock.json')),
    ...WORKSPACES.map((w) => readFileSync(join(ROOT, w, 'package.json'))),
  ];
}

/** `npm ci --omit=dev` for each component, as the Dockerfile's deps-npm stage runs it. */
async function runtimeDeps(log: (m: string) => void): Promise<string> {
  const { stdout: npmVersion } = await exec('npm', ['--version']);
  const h = createHash('sha256');
  for (const b of manifests()) h.update(b);
  h.update(`${process.version} ${npmVersion.trim()} ${process.arch}`);
  const cached = join(cacheDir(), 'images', `runtime-deps-${h.digest('hex').slice(0, 12)}.tar`);
  if (existsSync(cached)) return cached;
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'payflow-deps-'));
  try {
    await Promise.all(
      COMPONENTS.map(async (c) => {
        const dir = join(work, c);
        for (const w of WORKSPACES) mkdirSync(join(dir, w), { recursive: true });
        for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, f), join(dir, f));
        for (const w of WORKSPACES) copyFileSync(join(ROOT, w, 'package.json'), join(dir, w, 'package.json'));
        await exec(
          'npm',
          ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=dev', '--workspace', `@payflow/${c}`],
          { cwd: dir },
        );
      }),
    );
    mkdirSync(join(cacheDir(), 'images'), { recursive: true });
    await deterministicTar(
      work,
      COMPONENTS.map((c) => `${c}/node_modules`),
      cached,
    );
    log(
      `runtime dependencies (npm ci --omit=dev ×3) in ${String(Math.round((Date.now() - started) / 1000))} s`,
    );
    return cached;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Fills .tmp/images/prebuilt/ with what DEPS_FROM=prebuilt adds. */
async function prepare(log: (m: string) => void): Promise<void> {
  mkdirSync(PREBUILT, { recursive: true });
  const [deps] = await Promise.all([runtimeDeps(log), ensureConsoleBuilt(log)]);
  copyFileSync(deps, join(PREBUILT, 'runtime-deps.tar'));
  await deterministicTar(CONSOLE_DIST, ['.'], join(PREBUILT, 'console-dist.tar'));
}

async function git(args: string[], fallback: string): Promise<string> {
  try {
    return (await exec('git', args, { cwd: ROOT })).stdout.trim() || fallback;
  } catch {
    return fallback;
  }
}

export interface BuiltImage {
  component: Component;
  ref: string;
  /** The image's id: what tests run, since another checkout may move the tag meanwhile. */
  id: string;
  seconds: number;
  sizeBytes: number;
  /** True when an image built from the same inputs was already there (no build ran). */
  cached: boolean;
}

const INPUTS_LABEL = 'dev.payflow.build-inputs';

function hashTree(h: ReturnType<typeof createHash>, path: string): void {
  const s = statSync(path);
  if (s.isDirectory()) {
    for (const name of readdirSync(path).sort()) if (name !== 'node_modules') hashTree(h, join(path, name));
  } else {
    h.update(`${relative(ROOT, path)}\0${String(s.mode & 0o111)}\0`);
    h.update(readFileSync(path));
  }
}

/** Everything a build reads (context files, build arguments, the base), as one digest. */
function buildInputs(args: readonly string[]): string {
  const h = createHash('sha256');
  h.update(args.join('\0'));
  for (const p of [
    'Dockerfile',
    '.dockerignore',
    'package.json',
    'package-lock.json',
    'hack/images',
    ...WORKSPACES.map((w) => `${w}/package.json`),
    ...COMPONENTS.map((c) => `${c}/src`),
    '.tmp/images/prebuilt',
  ])
    hashTree(h, join(ROOT, p));
  return h.digest('hex').slice(0, 16);
}

/** An image's id, size and build-inputs label, read in one call (a tag may move meanwhile). */
async function inspectImage(ref: string): Promise<{ id: string; size: number; inputs: string } | undefined> {
  try {
    const format = `{{.Id}} {{.Size}} {{index .Labels "${INPUTS_LABEL}"}}`;
    const { stdout } = await podman(['image', 'inspect', '--format', format, ref]);
    const [id = '', size = '', inputs = ''] = stdout.trim().split(' ');
    return { id, size: Number(size), inputs };
  } catch {
    return undefined;
  }
}

export interface BuildResult {
  base: string;
  baseSeconds: number;
  prepareSeconds: number;
  images: BuiltImage[];
}

/** Builds the images (all three by default) and answers what it made and how long it took. */
export async function buildImages(
  components: readonly Component[] = COMPONENTS,
  log: (m: string) => void = () => undefined,
): Promise<BuildResult> {
  let t = Date.now();
  const base = await ensureBaseImage(log);
  const baseSeconds = (Date.now() - t) / 1000;
  t = Date.now();
  await prepare(log);
  const prepareSeconds = (Date.now() - t) / 1000;
  const version = (JSON.parse(readFileSync(join(ROOT, 'api', 'package.json'), 'utf8')) as { version: string })
    .version;
  const revision = await git(['rev-parse', 'HEAD'], 'unknown');
  const created = await git(['log', '-1', '--format=%cI'], '1970-01-01T00:00:00Z');
  const images: BuiltImage[] = [];
  for (const component of components) {
    t = Date.now();
    const ref = imageRef(component);
    const args = [
      '--build-arg',
      `BASE_IMAGE=${base}`,
      '--build-arg',
      'DEPS_FROM=prebuilt',
      '--target',
      component,
      '--label',
      `org.opencontainers.image.version=${version}`,
      '--label',
      `org.opencontainers.image.revision=${revision}`,
      '--label',
      `org.opencontainers.image.created=${created}`,
    ];
    const inputs = buildInputs(args);
    let image = await inspectImage(ref);
    const cached = image?.inputs === inputs;
    if (!cached) {
      // Beside, not inside, the prebuilt folder: that folder is one of the build's inputs.
      const iidfile = join(PREBUILT, '..', `${component}.iid`);
      await podman([
        'build',
        '--format',
        'docker', // HEALTHCHECK is a Docker image-format field; OCI images drop it
        '--network',
        'none',
        ...ulimitFlags(),
        ...args,
        '--label',
        `${INPUTS_LABEL}=${inputs}`,
        '--tag',
        ref,
        '--iidfile',
        iidfile,
        '--file',
        join(ROOT, 'Dockerfile'),
        ROOT,
      ]);
      image = await inspectImage(readFileSync(iidfile, 'utf8').trim());
    }
    if (!image) throw new Error(`podman built ${ref} but cannot inspect it`);
    images.push({
      component,
      ref,
      id: image.id,
      seconds: (Date.now() - t) / 1000,
      sizeBytes: image.size,
      cached,
    });
  }
  return { base, baseSeconds, prepareSeconds, images };
}

if (import.meta.main) {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((a) => !(COMPONENTS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(
      `usage: node hack/images/build.ts [${COMPONENTS.join('|')} …]; unknown: ${unknown.join(' ')}`,
    );
    process.exit(2);
  }
  const r = await buildImages(asked.length > 0 ? (asked as Component[]) : COMPONENTS, (m) => {
    console.error(m);
  });
  console.log(`base ${r.base} (${r.baseSeconds.toFixed(1)} s); prepared in ${r.prepareSeconds.toFixed(1)} s`);
  for (const i of r.images)
    console.log(
      `${i.ref}  ${(i.sizeBytes / 1e6).toFixed(0)} MB  ${i.cached ? 'unchanged' : 'built'} in ${i.seconds.toFixed(1)} s`,
    );
}
