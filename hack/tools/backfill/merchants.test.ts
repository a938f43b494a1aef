import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../lib/errors.ts';
import { parseCsv, readMerchantsFile } from './merchants.ts';

const dir = mkdtempSync(join(tmpdir(), 'payflow-merchants-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('merchant attributes file', () => {
  it('when CSV has quotes, commas, CRLF and blank lines, then each record is read as RFC 4180 says', () => {
    expect(parseCsv('a,b\r\n"x, ""y""",2\n\n"multi\nline",3')).toEqual([
      ['a', 'b'],
      ['x, "y"', '2'],
      ['multi\nline', '3'],
    ]);
    expect(() => parseCsv('a,"b')).toThrow(/not closed/);
  });

  it('when CSV and JSON say the same, then the same attributes come out; empty cells are no attribute', () => {
    const csv = readMerchantsFile(file('m.csv', 'merchant_id,name,mcc\nMERC-1,Acme,5411\nMERC-2,Beta,\n'));
    const json = readMerchantsFile(
      file('m.json', '{"MERC-1":{"name":"Acme","mcc":"5411"},"MERC-2":{"name":"Beta"}}'),
    );
    const arr = readMerchantsFile(
      file(
        'a.json',
        '[{"merchant_id":"MERC-1","name":"Acme","mcc":"5411"},{"merchant_id":"MERC-2","name":"Beta"}]',
      ),
    );
    for (const f of [csv, json, arr])
      expect(Object.fromEntries(f.merchants)).toEqual({
        'MERC-1': { name: 'Acme', mcc: '5411' },
        'MERC-2': { name: 'Beta' },
      });
  });

  it('when the file is malformed, then a UsageError names the file and the place', () => {
    expect(() => readMerchantsFile(file('b1.csv', 'id,name\nM,x\n'))).toThrow(
      /b1\.csv: line 1: the header has no merchant_id column/,
    );
    expect(() => readMerchantsFile(file('b2.csv', 'merchant_id,name\nM,x,y\n'))).toThrow(
      /line 2: 3 fields, the header has 2/,
    );
    expect(() => readMerchantsFile(file('b3.csv', 'merchant_id,name\nM,x\nM,y\n'))).toThrow(
      /line 3: merchant M appears twice/,
    );
    expect(() => readMerchantsFile(file('b4.json', '{"M":{"name":{"nested":1}}}'))).toThrow(
      /merchant M\.name: must be a string/,
    );
    expect(() => readMerchantsFile(join(dir, 'missing.csv'))).toThrow(UsageError);
  });
});
