// The README's configuration table, made from the processes' own configuration schemas: every
// variable each process reads, whether it is required, its default and the comment above it in
// the schema. `hack/with-node node hack/config-table.ts --write` rewrites the table in README.md
// (between the config-table markers); without --write it prints it. A unit test fails when the
// README's table and the schemas part ways.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { z } from 'zod';
import { apiConfigSchema } from '../api/src/config.ts';
import { controllerConfigSchema } from '../controller/src/config.ts';
import { workerConfigSchema } from '../worker/src/config.ts';

const ROOT = join(import.meta.dirname, '..');
export const README = join(ROOT, 'README.md');
// Prettier would pad the columns to one width (rows of 400 characters): it leaves the table alone.
export const START =
  '<!-- prettier-ignore-start -->\n<!-- config-table:start (made by hack/config-table.ts --write) -->';
export const END = '<!-- config-table:end -->\n<!-- prettier-ignore-end -->';

interface Process {
  name: string;
  file: string;
  constant: string;
  schema: z.ZodObject;
}

const PROCESSES: Process[] = [
  { name: 'api', file: 'api/src/config.ts', constant: 'apiConfigSchema', schema: apiConfigSchema },
  {
    name: 'worker',
    file: 'worker/src/config.ts',
    constant: 'workerConfigSchema',
    schema: workerConfigSchema,
  },
  {
    name: 'controller',
    file: 'controller/src/config.ts',
    constant: 'controllerConfigSchema',
    schema: controllerConfigSchema,
  },
];

interface Documented {
  comment: string;
  /** The source of the `.default(…)` argument, when it is not a plain literal. */
  computedDefault: string | undefined;
}

function commentOf(node: ts.Node, text: string): string {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  return ranges
    .map((r) => text.slice(r.pos, r.end))
    .map((c) =>
      c
        .replace(/^\/\*\*?/, '')
        .replace(/\*\/$/, '')
        .replace(/^\/\/ ?/, '')
        .split('\n')
        .map((l) => l.replace(/^\s*\* ?/, '').trim())
        .join(' '),
    )
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function computedDefault(init: ts.Expression, sf: ts.SourceFile): string | undefined {
  let found: string | undefined;
  const visit = (n: ts.Node): void => {
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      n.expression.name.text === 'default'
    ) {
      const arg = n.arguments[0];
      if (
        arg &&
        !ts.isLiteralExpression(arg) &&
        arg.kind !== ts.SyntaxKind.TrueKeyword &&
        arg.kind !== ts.SyntaxKind.FalseKeyword
      )
        found = arg.getText(sf);
    }
    ts.forEachChild(n, visit);
  };
  visit(init);
  return found;
}

/** The object literal given to `z.object(…)` in `const <name> = z.object({…})`. */
function schemaLiteral(sf: ts.SourceFile, name: string): ts.ObjectLiteralExpression | undefined {
  let found: ts.ObjectLiteralExpression | undefined;
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name) {
      const init = n.initializer;
      const arg = init && ts.isCallExpression(init) ? init.arguments[0] : undefined;
      if (arg && ts.isObjectLiteralExpression(arg)) found = arg;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/** The comments of the schema's properties, read from its source file. */
function documented(p: Process): Map<string, Documented> {
  const text = readFileSync(join(ROOT, p.file), 'utf8');
  const sf = ts.createSourceFile(p.file, text, ts.ScriptTarget.Latest, true);
  const out = new Map<string, Documented>();
  for (const prop of schemaLiteral(sf, p.constant)?.properties ?? []) {
    if (!ts.isPropertyAssignment(prop) || !ts.isIdentifier(prop.name)) continue;
    out.set(prop.name.text, {
      comment: commentOf(prop, text),
      computedDefault: computedDefault(prop.initializer, sf),
    });
  }
  return out;
}

function defaultOf(field: z.ZodType, doc: Documented | undefined): string {
  const parsed = field.safeParse(undefined);
  if (!parsed.success) return '**required**';
  if (parsed.data === undefined) return 'unset';
  // A computed default (a host name, a sum) is shown as its source, unless it is a number.
  if (doc?.computedDefault && typeof parsed.data !== 'number' && typeof parsed.data !== 'boolean')
    return `\`${doc.computedDefault.replace(/`/g, '')}\``;
  return `\`${JSON.stringify(parsed.data).replace(/^"(.*)"$/, '$1')}\``;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The table, one row per variable and process, in each schema's order. */
export function configTable(): string {
  const rows = ['| variable | process | default | what it is |', '| --- | --- | --- | --- |'];
  for (const p of PROCESSES) {
    const docs = documented(p);
    for (const [key, field] of Object.entries(p.schema.shape)) {
      const doc = docs.get(key);
      rows.push(
        `| \`${key}\` | ${p.name} | ${cell(defaultOf(field as z.ZodType, doc))} | ${cell(doc?.comment ?? '') || '—'} |`,
      );
    }
  }
  return rows.join('\n');
}

/** README.md with the table between the markers replaced by `table`. */
export function withTable(readme: string, table: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} section`);
  return `${readme.slice(0, a + START.length)}\n\n${table}\n\n${readme.slice(b)}`;
}

if (import.meta.main) {
  const table = configTable();
  if (process.argv.includes('--write')) {
    writeFileSync(README, withTable(readFileSync(README, 'utf8'), table));
    console.log(`README.md: configuration table rewritten (${String(table.split('\n').length - 2)} rows)`);
  } else {
    console.log(table);
  }
}
