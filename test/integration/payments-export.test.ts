import { request } from 'node:http';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idTimestamp, newId } from '@payflow/api/domain';
import { parseCurrency, parseDecimalAmount } from '../../api/src/domain/money.ts';
import { newPayment, startPaymentsApi, type PaymentsHarness } from './payments-support.ts';

const COLUMNS = [
  'id',
  'created_at',
  'updated_at',
  'merchant_id',
  'payer_id',
  'amount',
  'currency',
  'current_state',
  'refunded_amount',
  'card_fingerprint',
  'country',
  'flagged',
  'held',
];

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks; lines end in CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) throw new Error('the CSV does not end with CRLF');
  return rows;
}

/** Plain insert of many payments (the API's creation path is tested elsewhere). */
async function insertMany(
  pool: pg.Pool,
  n: number,
  merchant: string,
): Promise<{ id: string; amount_minor: string; currency: string }[]> {
  const currencies = ['USD', 'JPY', 'KWD', 'EUR'];
  const out: { id: string; amount_minor: string; currency: string }[] = [];
  for (let i = 0; i < n; i += 5000) {
    const ids = Array.from({ length: Math.min(5000, n - i) }, () => newId('pay'));
    const amounts = ids.map((_, j) => String(1 + (((i + j) * 7919) % 9_999_999)));
    const curr = ids.map((_, j) => currencies[(i + j) % currencies.length] ?? 'USD');
    await pool.query(
      `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state, country)
       select id, ts, $4, 'payer_' || (ord % 97), amt::bigint, cur, 'captured', 'DE'
         from unnest($1::text[], $2::timestamptz[], $3::text[], $5::text[]) with ordinality as t(id, ts, amt, cur, ord)`,
      [ids, ids.map((id) => new Date(idTimestamp(id))), amounts, merchant, curr],
    );
    ids.forEach((id, j) => out.push({ id, amount_minor: amounts[j] ?? '', currency: curr[j] ?? '' }));
  }
  return out;
}

/** The sum of a metric's samples whose labels include `label` (Prometheus text format; 0 when none). */
function metric(text: string, name: string, label = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m?.[1] === name && (m[2] ?? '').includes(label)) sum += Number(m[3]);
  }
  return sum;
}

const EXPORTS = 'payflow_payment_exports_total';
const ROWS = 'payflow_payment_export_rows_total';
const CLOSED = 'outcome="client_closed"';

describe('payments CSV export over HTTP against real PostgreSQL', () => {
  let h: PaymentsHarness;
  let pool: pg.Pool;
  let stored: { id: string; amount_minor: string; currency: string }[];

  beforeAll(async () => {
    h = await startPaymentsApi('payexp');
    pool = h.api.deps.pool;
    stored = await insertMany(pool, 25_000, 'mer_export');
  });
  afterAll(async () => {
    await h.close();
  });

  async function exportText(query: string, path = '/api/v1/transactions/export'): Promise<Response> {
    return fetch(`${h.url}${path}?${query}`, { headers: { 'x-test-role': 'viewer' } });
  }

  it('when 25,000 payments are exported, then the CSV streams and parses back to exactly the stored amounts', async () => {
    const res = await exportText('merchant_id=mer_export&sort=created_at');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="payments-\d{8}T\d{6}Z\.csv"$/,
    );
    // Streamed: chunked transfer, no length known up front.
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual(COLUMNS);
    const data = rows.slice(1);
    expect(data).toHaveLength(25_000);
    const col = (name: string): number => COLUMNS.indexOf(name);
    // Oldest first (sort=created_at), which is the order the ids were made in.
    const decimals = { USD: 2, EUR: 2, JPY: 0, KWD: 3 } as Record<string, number>;
    const parsed = data.map((r) => {
      const currency = parseCurrency(r[col('currency')]);
      const amount = r[col('amount')] ?? '';
      return {
        id: r[col('id')],
        amount_minor: parseDecimalAmount(amount, currency).amountMinor.toString(),
        currency,
      };
    });
    // One text per row: compared at once (a deep comparison of 25,000 objects is slow).
    const line = (x: { id?: string; amount_minor: string; currency: string }): string =>
      `${x.id ?? ''} ${x.amount_minor} ${x.currency}`;
    expect(parsed.map(line).join('\n')).toBe(stored.map(line).join('\n'));
    // Always the currency's exponent: 5.00 USD, 5 JPY, 5.000 KWD; refunded 0 likewise.
    const badDecimals = data.filter((r) => {
      const places = decimals[r[col('currency')] ?? ''];
      const refunded = places === 0 ? '0' : `0.${'0'.repeat(places ?? 0)}`;
      return (
        (r[col('amount')]?.split('.')[1]?.length ?? 0) !== places || r[col('refunded_amount')] !== refunded
      );
    });
    expect(badDecimals).toEqual([]);
    const otherCells = data.filter(
      (r) =>
        r[col('created_at')] !== new Date(idTimestamp(r[col('id')] ?? '')).toISOString() ||
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(r[col('updated_at')] ?? '') ||
        ['current_state', 'card_fingerprint', 'country', 'flagged', 'held'].map((c) => r[col(c)]).join() !==
          'captured,,DE,false,false',
    );
    expect(otherCells).toEqual([]);
  });

  it('when the export is asked as export.csv with a limit and the list sort, then it writes that many rows in that order', async () => {
    const res = await exportText(
      'merchant_id=mer_export&sort=-amount&limit=1234',
      '/api/v1/transactions/export.csv',
    );
    expect(res.status).toBe(200);
    const data = parseCsv(await res.text()).slice(1);
    expect(data).toHaveLength(1234);
    const { rows } = await pool.query<{ id: string }>(
      "select id from payments where merchant_id = 'mer_export' order by amount_minor desc, id desc limit 1234",
    );
    expect(data.map((r) => r[0])).toEqual(rows.map((r) => r.id));
  });

  it('when cells start with = + - @ or hold commas, quotes and line breaks, then they are guarded and quoted', async () => {
    const evil = [
      {
        merchant_id: 'mer_formula',
        payer_id: '=HYPERLINK("http://x.example","click")',
        card_fingerprint: '+1',
      },
      { merchant_id: 'mer_formula', payer_id: '-2+3', card_fingerprint: '@SUM(A1:A9)' },
      { merchant_id: 'mer_formula', payer_id: 'a,b "c"', card_fingerprint: 'plain' },
    ];
    for (const e of evil) {
      const res = await h.call('POST', '/api/v1/transactions', { body: newPayment(e) });
      expect(res.status).toBe(201);
    }
    // Control characters never pass the API; a row written by another tool may hold them.
    const id = newId('pay');
    await pool.query(
      `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state)
       values ($1, $2, 'mer_formula', $3, 1, 'USD', 'pending')`,
      [id, new Date(idTimestamp(id)), 'two\r\nlines'],
    );
    const res = await exportText('merchant_id=mer_formula&sort=created_at');
    const text = await res.text();
    expect(text).toContain(`,mer_formula,"'=HYPERLINK(""http://x.example"",""click"")",100.00,USD,`);
    expect(text).toContain(`,0.00,'+1,,`);
    expect(text).toContain(`,mer_formula,'-2+3,100.00,`);
    expect(text).toContain(`,0.00,'@SUM(A1:A9),,`);
    expect(text).toContain(`,mer_formula,"a,b ""c""",100.00,`);
    expect(text).toContain(`,mer_formula,"two\r\nlines",0.01,`);
    const data = parseCsv(text).slice(1);
    expect(data.map((r) => [r[4], r[9]])).toEqual([
      [`'=HYPERLINK("http://x.example","click")`, `'+1`],
      [`'-2+3`, `'@SUM(A1:A9)`],
      ['a,b "c"', 'plain'],
      ['two\r\nlines', ''],
    ]);
  });

  it('when the filter is bad, then it is a 400 problem naming the field before any CSV', async () => {
    const cases: [string, string][] = [
      ['state=paid', 'state'],
      ['amount_min=10', 'amount_min'],
      ['currency=usd', 'currency'],
      ['sort=merchant', 'sort'],
      ['limit=0', 'limit'],
      ['limit=1000001', 'limit'],
      ['created_from=yesterday', 'created_from'],
      ['cursor=abc', 'cursor'],
      ['offset=10', 'offset'],
    ];
    for (const [query, field] of cases) {
      const res = await exportText(query);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type'), query).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as { field?: string };
      expect(body.field, query).toBe(field);
    }
  });

  it('when the caller is not signed in, then the export is a 401 problem', async () => {
    const res = await fetch(`${h.url}/api/v1/transactions/export`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('when the export is asked with HEAD, then it answers the CSV headers without running it', async () => {
    const before = metric(await (await fetch(`${h.url}/metrics`)).text(), EXPORTS);
    const res = await fetch(`${h.url}/api/v1/transactions/export?merchant_id=mer_export`, {
      method: 'HEAD',
      headers: { 'x-test-role': 'viewer' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(metric(await (await fetch(`${h.url}/metrics`)).text(), EXPORTS)).toBe(before);
    const bad = await fetch(`${h.url}/api/v1/transactions/export?state=paid`, {
      method: 'HEAD',
      headers: { 'x-test-role': 'viewer' },
    });
    expect(bad.status).toBe(400);
  });

  it('when nothing matches, then the CSV is the header line alone', async () => {
    const res = await exportText('merchant_id=mer_nobody');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`${COLUMNS.join(',')}\r\n`);
  });

  it('when the client stops reading and disconnects, then the export stops early and is counted as client_closed', async () => {
    const metricsBefore = await (await fetch(`${h.url}/metrics`)).text();
    const closedBefore = metric(metricsBefore, EXPORTS, CLOSED);
    const rowsBefore = metric(metricsBefore, ROWS);
    // Read the first bytes, then stop reading (the server fills the socket and waits for
    // 'drain'), then drop the connection.
    await new Promise<void>((resolve, reject) => {
      const req = request(`${h.url}/api/v1/transactions/export?merchant_id=mer_export`, {
        headers: { 'x-test-role': 'viewer' },
      });
      req.on('response', (res) => {
        expect(res.statusCode).toBe(200);
        res.once('data', () => {
          res.pause();
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ECONNRESET') reject(err);
      });
      req.end();
    });
    let text = '';
    for (let i = 0; i < 200; i++) {
      text = await (await fetch(`${h.url}/metrics`)).text();
      if (metric(text, EXPORTS, CLOSED) > closedBefore) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(metric(text, EXPORTS, CLOSED)).toBe(closedBefore + 1);
    expect(metric(text, ROWS) - rowsBefore).toBeLessThan(25_000);
    // The API goes on serving, its pool whole.
    const after = await exportText('merchant_id=mer_export&limit=3');
    expect(parseCsv(await after.text())).toHaveLength(4);
  });
});
