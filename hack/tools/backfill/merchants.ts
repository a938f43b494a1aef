// The merchant attributes file of `payflow backfill --merchants-file`: per merchant, attributes
// (name, mcc, country, …) that every payment of that merchant should carry in
// metadata.merchant. CSV with a header row naming `merchant_id` and the attributes (RFC 4180
// quoting; an empty cell is no attribute), or JSON: an object keyed by merchant id, or an array
// of objects with `merchant_id`. Values are strings, numbers or booleans.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../lib/errors.ts';

export type Scalar = string | number | boolean;
export type MerchantAttributes = ReadonlyMap<string, Readonly<Record<string, Scalar>>>;

const ATTRIBUTE = /^[a-z][a-z0-9_]{0,62}$/;
const MERCHANT = /^.{1,128}$/s;

export interface MerchantsFile {
  readonly path: string;
  readonly sha256: string;
  readonly merchants: MerchantAttributes;
}

/** CSV parsing state: the records so far, the record and the field being read. */
class CsvReader {
  readonly rows: string[][] = [];
  private row: string[] = [];
  private cell = '';
  private quoted = false;

  /** Reads text[i] (and text[i + 1] for "" and CRLF); returns how many characters it took. */
  step(text: string, i: number): number {
    const c = text[i] ?? '';
    const next = text[i + 1];
    if (this.quoted) return this.inQuotes(c, next);
    if (c === '"') this.quoted = true;
    else if (c === ',') this.endCell();
    else if (c === '\n' || c === '\r') {
      this.endRow();
      return c === '\r' && next === '\n' ? 2 : 1;
    } else this.cell += c;
    return 1;
  }

  private inQuotes(c: string, next: string | undefined): number {
    if (c === '"' && next === '"') {
      this.cell += '"';
      return 2;
    }
    if (c === '"') this.quoted = false;
    else this.cell += c;
    return 1;
  }

  private endCell(): void {
    this.row.push(this.cell);
    this.cell = '';
  }

  endRow(): void {
    this.endCell();
    this.rows.push(this.row);
    this.row = [];
  }

  finish(): string[][] {
    if (this.quoted) throw new Error('a quoted field is not closed');
    if (this.cell !== '' || this.row.length > 0) this.endRow();
    return this.rows.filter((r) => !(r.length === 1 && r[0] === ''));
  }
}

/** CSV records, RFC 4180 quoting ("" inside quotes is a quote); blank lines are skipped. */
export function parseCsv(text: string): string[][] {
  const reader = new CsvReader();
  for (let i = 0; i < text.length;) i += reader.step(text, i);
  return reader.finish();
}

function checkAttribute(where: string, name: string): void {
  if (!ATTRIBUTE.test(name))
    throw new Error(
      `${where}: attribute name '${name}' must be lower-case letters, digits and _ (starting with a letter)`,
    );
}

function fromCsv(text: string): Map<string, Record<string, Scalar>> {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new Error('the file is empty');
  const idAt = header.indexOf('merchant_id');
  if (idAt < 0) throw new Error('line 1: the header has no merchant_id column');
  header.forEach((h, i) => {
    if (i !== idAt) checkAttribute('line 1', h);
  });
  const out = new Map<string, Record<string, Scalar>>();
  rows.forEach((r, n) => {
    const where = `line ${String(n + 2)}`;
    if (r.length !== header.length)
      throw new Error(`${where}: ${String(r.length)} fields, the header has ${String(header.length)}`);
    const id = r[idAt] ?? '';
    if (!MERCHANT.test(id)) throw new Error(`${where}: merchant_id must be 1 to 128 characters`);
    if (out.has(id)) throw new Error(`${where}: merchant ${id} appears twice`);
    const attrs: Record<string, Scalar> = {};
    header.forEach((h, i) => {
      if (i !== idAt && (r[i] ?? '') !== '') attrs[h] = r[i] ?? '';
    });
    out.set(id, attrs);
  });
  return out;
}

function attributesOf(where: string, v: unknown): Record<string, Scalar> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${where}: must be an object of attributes`);
  const attrs: Record<string, Scalar> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'merchant_id') continue;
    checkAttribute(where, k);
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean')
      throw new Error(`${where}.${k}: must be a string, a number or a boolean`);
    attrs[k] = x;
  }
  return attrs;
}

function fromJson(text: string): Map<string, Record<string, Scalar>> {
  const doc = JSON.parse(text) as unknown;
  const entries: [string, unknown][] = Array.isArray(doc)
    ? doc.map((x: unknown, i): [string, unknown] => {
        const id = (x as { merchant_id?: unknown } | null)?.merchant_id;
        return [typeof id === 'string' ? id : `#${String(i)}`, x];
      })
    : typeof doc === 'object' && doc !== null
      ? Object.entries(doc)
      : [];
  if (entries.length === 0)
    throw new Error('expected an object keyed by merchant id or an array of objects with merchant_id');
  const out = new Map<string, Record<string, Scalar>>();
  for (const [id, v] of entries) {
    if (!MERCHANT.test(id) || id.startsWith('#'))
      throw new Error(`merchant ${id}: needs a merchant_id of 1 to 128 characters`);
    if (out.has(id)) throw new Error(`merchant ${id} appears twice`);
    out.set(id, attributesOf(`merchant ${id}`, v));
  }
  return out;
}

/** Reads and checks the file; any problem is a UsageError naming the file and the place. */
export function readMerchantsFile(path: string): MerchantsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--merchants-file ${path}: ${(err as Error).message}`);
  }
  try {
    const json = path.toLowerCase().endsWith('.json') || /^\s*[[{]/.test(text);
    const merchants = json ? fromJson(text) : fromCsv(text);
    return { path, sha256: createHash('sha256').update(text).digest('hex'), merchants };
  } catch (err) {
    throw new UsageError(`--merchants-file ${path}: ${(err as Error).message}`);
  }
}
