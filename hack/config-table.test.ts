import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, configTable, withTable } from './config-table.ts';

describe("README's configuration table", () => {
  it('when the schemas change, then the table in README.md is remade with them (hack/config-table.ts --write)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(withTable(readme, configTable())).toBe(readme);
  });

  it('when made, then every variable of every process has a row and required ones say so', () => {
    const table = configTable();
    expect(table).toMatch(/^\| `DATABASE_URL` \| api \| \*\*required\*\* \|/m);
    expect(table).toMatch(/^\| `DATABASE_URL` \| worker \| \*\*required\*\* \|/m);
    expect(table).toMatch(/^\| `REDIS_URL` \| api \| unset \| Redis for rate limits/m);
    expect(table).toMatch(/^\| `KUBECONFIG` \| controller \| unset \|/m);
  });
});
