// Writes the generated CRDs into crds/ at the repository root, and the same files into the Helm
// chart (charts/payflow/files/crds), which renders them as templates.
// Usage: node api/src/crd/write-crds.ts [--check]
//   --check  write nothing; exit 1 when a committed file differs from what would be generated.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRD_KINDS, crdFileName, renderCrdYaml } from './generate.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const crdDirs = [join(root, 'crds'), join(root, 'charts', 'payflow', 'files', 'crds')];

function committed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function main(check: boolean): number {
  let stale = 0;
  for (const kind of CRD_KINDS) {
    const content = renderCrdYaml(kind);
    for (const dir of crdDirs) {
      const path = join(dir, crdFileName(kind));
      if (committed(path) === content) continue;
      stale += 1;
      if (!check) writeFileSync(path, content);
      process.stdout.write(`${check ? 'stale' : 'wrote'} ${path}\n`);
    }
  }
  return check && stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.includes('--check'));
