// The help center says what the code does: the transition table, the rule examples, the batch
// job types and the custom-resource YAML in the articles are checked against the domain, the
// CRD schemas and manifests/samples, so that an article cannot drift from the product.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { batchJobSpecSchema, ruleSpecSchema, workerPoolSpecSchema } from '../crd/schemas.ts';
import { validateRuleDefinition } from '../domain/rules-schema.ts';
import { PAYMENT_STATE_TABLE, PAYMENT_STATES, TERMINAL_STATES } from '../domain/states.ts';
import { HELP_DIR, loadHelpArticles, parseHelpArticle, type HelpArticle } from './articles.ts';

const articles = loadHelpArticles();
const bySlug = new Map(articles.map((a) => [a.slug, a]));

function article(slug: string): HelpArticle {
  const a = bySlug.get(slug);
  if (!a) throw new Error(`no article ${slug}`);
  return a;
}

function fences(body: string, lang: string): string[] {
  const re = new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g');
  return [...body.matchAll(re)].map((m) => m[1] ?? '');
}

function cells(line: string): string[] {
  return line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim().replace(/`/g, ''));
}

function tableRows(body: string, header: string): string[][] {
  const lines = body.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|') && cells(l).join(' | ') === header);
  expect(start, `a table headed "${header}"`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(cells(line));
  }
  return rows;
}

describe('help articles', () => {
  it('when the folder is read, then every file has well-formed front matter and a body', () => {
    expect(readdirSync(HELP_DIR).filter((f) => f.endsWith('.md')).length).toBe(articles.length);
    for (const a of articles) {
      expect(a.title.length, a.slug).toBeGreaterThan(3);
      expect(a.summary.length, a.slug).toBeGreaterThan(10);
      expect(a.keywords.length, a.slug).toBeGreaterThan(2);
      expect(a.body.trim().length, a.slug).toBeGreaterThan(200);
    }
  });

  it('when front matter is malformed, then parsing names the file', () => {
    expect(() => parseHelpArticle('broken', '# no front matter')).toThrow(/docs\/help\/broken\.md/);
    const ok = parseHelpArticle('x', '---\ntitle: T\nsummary: S\nkeywords: a, b\n---\nBody');
    expect(ok).toEqual({ slug: 'x', title: 'T', summary: 'S', keywords: ['a', 'b'], body: 'Body' });
  });

  it('when an article links to another, then that article exists', () => {
    for (const a of articles) {
      for (const m of a.body.matchAll(/\]\(\/help\/([a-z0-9-]+)\)/g)) {
        expect(bySlug.has(m[1] ?? ''), `${a.slug} links to ${m[1] ?? ''}`).toBe(true);
      }
    }
  });

  it('when the console pages are listed, then each has an article for its route', () => {
    const routes = new Set(articles.map((a) => a.route).filter(Boolean));
    for (const r of [
      '/dashboard',
      '/payments',
      '/alerts',
      '/health',
      '/rules',
      '/rules/new',
      '/batch-jobs',
      '/worker-pools',
      '/audit',
      '/profile',
      '/settings',
      '/settings/users',
      '/settings/api-keys',
      '/help',
    ])
      expect(routes.has(r), r).toBe(true);
  });

  it('when the transition table is read, then it is exactly the state machine of the domain', () => {
    const rows = tableRows(article('payment-states').body, 'State | Event | Next state');
    const fromDoc = rows.map(([from, event, to]) => `${from ?? ''} ${event ?? ''} ${to ?? ''}`).sort();
    const fromCode = PAYMENT_STATES.flatMap((from) =>
      Object.entries(PAYMENT_STATE_TABLE[from]).map(([event, to]) => `${from} ${event} ${to}`),
    ).sort();
    expect(fromDoc).toEqual(fromCode);
    const terminal = /Terminal states: (.+)\./.exec(article('payment-states').body)?.[1] ?? '';
    expect(terminal.replace(/`/g, '').split(', ').sort()).toEqual([...TERMINAL_STATES].sort());
  });

  it('when the rule language examples are read, then each is a valid rule definition', () => {
    const examples = fences(article('rule-language').body, 'json');
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const json of examples) {
      const result = validateRuleDefinition(JSON.parse(json));
      expect(result.ok ? [] : result.issues, json).toEqual([]);
    }
    const body = article('rule-language').body;
    for (const word of ['velocity', 'threshold', 'blocklist']) expect(body.toLowerCase()).toContain(word);
  });

  it('when the batch job types are read, then they are the types the schema accepts', () => {
    const rows = tableRows(article('batch-jobs').body, 'Type | What it does');
    expect(rows.map((r) => r[0])).toEqual(batchJobSpecSchema.shape.type.options);
  });

  it('when the custom-resource YAML is read, then it parses, fits the CRD schemas and is the sample of manifests/samples', () => {
    const samplesDir = join(HELP_DIR, '..', '..', 'manifests', 'samples');
    const samples = readdirSync(samplesDir)
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .flatMap((f) =>
        parseAllDocuments(readFileSync(join(samplesDir, f), 'utf8')).map((d) => d.toJS() as Obj),
      );
    const blocks = fences(article('custom-resources').body, 'yaml').map((y) => parse(y) as Obj);
    const specs = { Rule: ruleSpecSchema, BatchJob: batchJobSpecSchema, WorkerPool: workerPoolSpecSchema };
    expect(blocks.map((b) => b.kind).sort()).toEqual(['BatchJob', 'Rule', 'WorkerPool']);
    for (const b of blocks) {
      expect(b.apiVersion).toBe('payflow.dev/v1alpha1');
      const r = specs[b.kind as keyof typeof specs].safeParse(b.spec);
      expect(r.success ? [] : r.error.issues, b.kind).toEqual([]);
      const sample = samples.find((s) => s.kind === b.kind && s.metadata.name === b.metadata.name);
      expect(sample, `${b.kind} ${b.metadata.name} in manifests/samples`).toEqual(b);
    }
  });
});

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: unknown;
}
