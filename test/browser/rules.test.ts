// Automation, as a fraud analyst works it: a velocity rule built in the visual builder (count of
// payments per payer over 10 minutes ≥ 5), checked as it is typed, backtested with the values it
// saw, saved in shadow, its shadow hits beside the live rules' over the same traffic, promoted,
// rolled back a version, then edited and backtested beside the saved version; a rule from a
// Kubernetes Rule resource is read-only. Every new page and state is scanned with axe and shot in
// light and dark, desktop and phone.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import {
  launch,
  openPage,
  seriousViolations,
  settled,
  shoot,
  signIn,
  type ConsolePage,
  type Scheme,
  type Viewport,
} from './support/browser.ts';
import { authorizedPayment, createDemoRules, startConsoleStack, type ConsoleStack } from './support/stack.ts';

let stack: ConsoleStack;
let browser: Browser;
const ids = { rule: '', kube: '' };

interface RuleBody {
  id: string;
  version: number;
  rule_definition: { mode: string; condition: unknown };
}

/** Six payments of one payer within a minute: the fifth and sixth make the count ≥ 5. */
async function burst(payer: string, firstAmount = '12.00'): Promise<string[]> {
  const made: string[] = [];
  for (let i = 0; i < 6; i++) {
    const p = await authorizedPayment(stack, {
      merchant_id: 'acme-books',
      payer_id: payer,
      amount: i === 0 ? firstAmount : '12.00',
      currency: 'USD',
    });
    made.push(p.id);
  }
  return made;
}

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 200 });
  await createDemoRules(stack);
  await burst('payer_velocity');
  ids.kube = newId('rul');
  await stack.db.query(
    `insert into rules (id, name, description, mode, action, severity, definition, source, external_uid, generation, created_by)
     values ($1, 'fraud/card-testing', 'Many cards from one payer in an hour.', 'enforce', 'hold', 'high', $2::jsonb,
             'kubernetes', $3, 1, 'payflow-controller')`,
    [
      ids.kube,
      JSON.stringify({
        aggregate: 'distinct',
        field: 'card_fingerprint',
        window: '1h',
        group_by: 'payer_id',
        op: 'gte',
        value: 3,
      }),
      newId('rul'),
    ],
  );
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser.close();
  await stack.close();
});

const node = (page: Page, label: string) => page.getByRole('group', { name: label, exact: true });

describe('automation: rules', () => {
  it('when an analyst builds, backtests, shadows, promotes and rolls back a velocity rule, then each step shows and is recorded', async () => {
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'admin', '/rules');
    await settled(page);
    await page.getByRole('link', { name: 'Create rule' }).click();
    await page.getByRole('heading', { name: 'New rule', level: 1 }).waitFor();
    await page.getByLabel('Name').fill('payer-velocity-10m');
    await page.getByLabel('Description').fill('Five or more payments from one payer within ten minutes.');

    // The visual builder: a windowed count per payer over 10 minutes, at least 5.
    await page.getByRole('button', { name: 'Add windowed aggregate to Condition' }).click();
    const agg = node(page, 'Condition.1');
    await agg.getByLabel('Aggregate of Condition.1').selectOption('count');
    await agg.getByLabel('Group by of Condition.1').selectOption('payer_id');
    await agg.getByLabel('Window unit of Condition.1').selectOption('m');
    // Checked as it is typed: an empty window is wrong, and the builder says so at the window.
    await agg.getByLabel('Window length of Condition.1').fill('');
    await agg.getByText(/must be a duration/).waitFor();
    await shoot(page, 'flow-rule-builder-problem');
    await agg.getByLabel('Window length of Condition.1').fill('10');
    await agg.getByLabel('Operator of Condition.1').selectOption('gte');
    await agg.getByLabel('Value of Condition.1').fill('5');
    await page.getByText('The API accepts this rule.').waitFor();
    await expect.poll(() => agg.getByText(/must be/).count()).toBe(0);

    // The same rule as JSON, and its Rule resource.
    await page.getByRole('tab', { name: 'JSON' }).click();
    const json = page.getByLabel('Rule definition as JSON');
    const definition = JSON.parse(await json.inputValue()) as { condition: unknown };
    expect(definition.condition).toEqual({
      all: [{ aggregate: 'count', window: '10m', group_by: 'payer_id', op: 'gte', value: 5 }],
    });
    // A wrong operator typed in the JSON is pointed at by its line.
    await json.fill(
      JSON.stringify(
        { ...definition, condition: { all: [{ field: 'currency', op: 'gt', value: 'USD' }] } },
        null,
        2,
      ),
    );
    const issues = page.getByRole('list', { name: 'Problems in the JSON' });
    await issues.getByText('condition.all[0].op').waitFor();
    await expect(
      issues
        .getByRole('button', { name: /^Line \d+$/ })
        .first()
        .textContent(),
    ).resolves.toBe('Line 6');
    await shoot(page, 'flow-rule-json-problem');
    await json.fill(JSON.stringify(definition, null, 2));
    await page.getByText('The API accepts this rule.').waitFor();
    await page.getByRole('tab', { name: 'Rule resource (YAML)' }).click();
    await page.getByText('kind: Rule').waitFor();
    await page.getByRole('tab', { name: 'Visual builder' }).click();
    await expect(node(page, 'Condition.1').getByLabel('Value of Condition.1').inputValue()).resolves.toBe(
      '5',
    );

    // Backtest before saving: the burst of payer_velocity is hit, with the count the rule saw.
    await page.getByLabel('Backtest window').selectOption('168');
    await page.getByRole('button', { name: 'Run backtest' }).click();
    await page.getByText('Backtest succeeded').waitFor({ timeout: 30_000 });
    const examples = page.getByRole('table', { name: 'Backtest examples' });
    await examples.getByText('count(*) over 10m by payer_id gte 5 (was 6)').waitFor();
    await examples.getByText('count(*) over 10m by payer_id gte 5 (was 5)').waitFor();
    expect(Number(await page.getByTestId('backtest-hits').textContent())).toBeGreaterThanOrEqual(2);
    await page.getByRole('table', { name: 'Hits per day' }).waitFor();
    await shoot(page, 'flow-rule-backtest');

    // Saved in shadow, with why.
    await page.getByRole('radio', { name: /Shadow/ }).check();
    await page.getByLabel('Why this change').fill('Try the burst rule in shadow first');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/rules\/rul_[^/]+$/);
    ids.rule = new URL(page.url()).pathname.split('/').pop() ?? '';
    await page.getByRole('heading', { name: 'payer-velocity-10m', level: 1 }).waitFor();

    // Live traffic after it exists: a burst whose first payment is large (the large-payment rule
    // hits it), so the live side has a hit the shadow rule does not.
    await burst('payer_shadow', '2500.00');
    await expect
      .poll(
        async () =>
          (await stack.call<{ totals: { shadow: number } }>('GET', `/api/v1/rules/${ids.rule}/shadow`)).totals
            .shadow,
        { timeout: 30_000 },
      )
      .toBe(2);
    await page.reload();
    await page.getByRole('tab', { name: 'Shadow compare' }).waitFor();
    await expect.poll(() => page.getByTestId('shadow-hits').textContent(), { timeout: 15_000 }).toBe('2');
    // The rule is minutes old: the comparison counts from its creation, and says so.
    await expect(page.getByTestId('shadow-since').textContent()).resolves.toMatch(
      /^Counted from .+, when this rule was created\.$/,
    );
    expect(Number(await page.getByTestId('live-hits').textContent())).toBeGreaterThanOrEqual(3);
    expect(Number(await page.getByTestId('only-live').textContent())).toBeGreaterThanOrEqual(1);
    await page
      .getByRole('table', { name: 'Payments only live rules hit' })
      .getByText(/amount_minor gte 100000/)
      .first()
      .waitFor();
    await shoot(page, 'flow-rule-shadow');

    // Promote: one audited action.
    await page.getByRole('button', { name: 'Promote to enforce' }).click();
    const promote = page.getByRole('dialog', { name: 'Promote to enforce' });
    await promote.getByLabel('Why').fill('Shadow hits match the bursts');
    await promote.getByRole('button', { name: 'Promote' }).click();
    await page.waitForURL(/tab=versions/);
    await expect
      .poll(async () => (await stack.call<RuleBody>('GET', `/api/v1/rules/${ids.rule}`)).rule_definition.mode)
      .toBe('enforce');

    // Roll back to version 1 (shadow): version 3, with the change and why in the list.
    const versions = page.getByRole('table', { name: 'Rule versions' });
    await versions.getByText('Promoted').waitFor();
    await versions.getByRole('button', { name: 'Roll back to version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back to version 1' });
    await dialog.getByLabel('Why').fill('Too early to enforce');
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await versions.getByText('Too early to enforce').waitFor();
    const after = await stack.call<RuleBody>('GET', `/api/v1/rules/${ids.rule}`);
    expect(after).toMatchObject({ version: 3, rule_definition: { mode: 'shadow' } });
    await page
      .getByRole('region', { name: 'Changes from version 2 to 3' })
      .getByText(/"mode": "shadow"/)
      .waitFor();
    await shoot(page, 'flow-rule-versions');

    // An edit backtested beside the saved version over the same window: at least 6 instead of 5
    // hits one payment of each burst instead of two.
    await page.goto(`${stack.url}/rules/${ids.rule}/edit`);
    await page.getByText('The API accepts this rule.').waitFor();
    await node(page, 'Condition.1').getByLabel('Value of Condition.1').fill('6');
    await page.getByText('The API accepts this rule.').waitFor();
    await page.getByLabel('Also run version 3 as saved, to compare').check();
    await page.getByRole('button', { name: 'Run backtest' }).click();
    const compared = page.getByRole('table', { name: 'Backtest of this draft and of version 3' });
    await compared.waitFor({ timeout: 30_000 });
    const hitRow = await compared
      .getByRole('row', { name: /Would have hit/ })
      .getByRole('cell')
      .allTextContents();
    const [draftHits, savedHits] = [Number(hitRow[1]), Number(hitRow[2])];
    expect(savedHits).toBeGreaterThanOrEqual(4);
    expect(savedHits - draftHits).toBeGreaterThanOrEqual(2);
    expect(hitRow[3]).toBe(`\u2212${String(savedHits - draftHits)}`);
    expect(Number(await page.getByTestId('backtest-hits').textContent())).toBe(draftHits);
    // At least 6 hits a subset of what at least 5 hits: the payments only version 3 hits are the
    // fifth of each burst, each a link to its payment.
    const onlySaved = page.getByRole('list', { name: 'Payments only version 3 hits' });
    await expect(onlySaved.getByRole('link').count()).resolves.toBe(savedHits - draftHits);
    await compared.locator('..').getByText('None.').waitFor();
    // Per day, both: the draft's column adds up to its hits, version 3's to its.
    const days = page.getByRole('table', { name: 'Hits per day, this draft and version 3' });
    const dayCells = await days
      .getByRole('row')
      .evaluateAll((trs) =>
        trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))),
      );
    expect(dayCells.reduce((n, r) => n + (r[1] ?? 0), 0)).toBe(draftHits);
    expect(dayCells.reduce((n, r) => n + (r[2] ?? 0), 0)).toBe(savedHits);
    await shoot(page, 'flow-rule-backtest-compare');
    const { rows } = await stack.db.query<{ action: string }>(
      "select action from audit_log where resource_type = 'rule' and resource_id = $1 order by chain_seq",
      [ids.rule],
    );
    expect(rows.map((r) => r.action)).toEqual(['rule.created', 'rule.promoted', 'rule.rolled_back']);
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('when a rule comes from a Kubernetes Rule resource, then it is read-only with its namespace/name and a note that Git owns it', async () => {
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'admin', `/rules/${ids.kube}`);
    await page.getByRole('heading', { name: 'fraud/card-testing', level: 1 }).waitFor();
    await page.getByText('Rule fraud/card-testing (Kubernetes)').waitFor();
    await page.getByText(/Its Git repository owns it/).waitFor();
    await expect(page.getByRole('button', { name: 'Edit' }).getAttribute('aria-disabled')).resolves.toBe(
      'true',
    );
    await page.getByRole('link', { name: 'Open it read-only in the editor' }).click();
    await page.getByRole('heading', { name: 'Edit fraud/card-testing', level: 1 }).waitFor();
    await expect(page.getByLabel('Name').getAttribute('readonly')).resolves.not.toBeNull();
    expect(await page.getByRole('button', { name: /Save as version/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Add condition/ }).count()).toBe(0);
    await page.getByRole('tab', { name: 'JSON' }).click();
    await expect(page.getByLabel('Rule definition as JSON').getAttribute('readonly')).resolves.not.toBeNull();
    const put = await fetch(`${stack.url}/api/v1/rules/${ids.kube}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token}` },
      body: JSON.stringify({
        name: 'x',
        rule_definition: { condition: { all: [] }, action: 'alert', severity: 'low' },
      }),
    });
    expect(put.status).toBe(409);
    expect(problems).toEqual([]);
    await context.close();
  });
});

const STATES: { name: string; path: () => string; ready: (page: Page) => Promise<void> }[] = [
  {
    name: 'rules',
    path: () => '/rules',
    ready: async (p) => p.getByRole('link', { name: 'payer-velocity-10m' }).waitFor(),
  },
  {
    name: 'rule-new',
    path: () => '/rules/new',
    ready: async (p) =>
      p
        .getByText(/The API accepts this rule|problem/)
        .first()
        .waitFor(),
  },
  {
    name: 'rule-edit-backtest',
    path: () => `/rules/${ids.rule}/edit`,
    ready: async (p) => {
      await p.getByText('The API accepts this rule.').waitFor();
      await p.getByRole('button', { name: 'Run backtest' }).click();
      await p.getByText('Backtest succeeded').waitFor({ timeout: 30_000 });
    },
  },
  {
    name: 'rule-edit-compare',
    path: () => `/rules/${ids.rule}/edit`,
    ready: async (p) => {
      await p.getByText('The API accepts this rule.').waitFor();
      await node(p, 'Condition.1').getByLabel('Value of Condition.1').fill('6');
      await p.getByLabel(/Also run version \d+ as saved, to compare/).waitFor();
      await p.getByText('The API accepts this rule.').waitFor();
      await p.getByRole('button', { name: 'Run backtest' }).click();
      await p
        .getByRole('table', { name: /Backtest of this draft and of version/ })
        .waitFor({ timeout: 30_000 });
    },
  },
  {
    name: 'rule-json',
    path: () => `/rules/${ids.rule}/edit`,
    ready: async (p) => {
      await p.getByRole('tab', { name: 'JSON' }).click();
      await p.getByLabel('Rule definition as JSON').waitFor();
    },
  },
  {
    name: 'rule-shadow',
    path: () => `/rules/${ids.rule}?tab=shadow`,
    ready: async (p) => p.getByTestId('shadow-hits').waitFor(),
  },
  {
    name: 'rule-versions',
    path: () => `/rules/${ids.rule}?tab=versions&v=1`,
    ready: async (p) => p.getByRole('table', { name: 'Rule versions' }).waitFor(),
  },
  {
    name: 'rule-resource',
    path: () => `/rules/${ids.rule}?tab=resource`,
    ready: async (p) =>
      p
        .getByText(/kind: Rule/)
        .first()
        .waitFor(),
  },
  {
    name: 'rule-kubernetes',
    path: () => `/rules/${ids.kube}`,
    ready: async (p) => p.getByText(/Its Git repository owns it/).waitFor(),
  },
  {
    name: 'rule-missing',
    path: () => `/rules/${newId('rul')}`,
    ready: async (p) => p.getByText('Could not load the rule').waitFor(),
  },
];

const COMBOS: { viewport: Viewport; scheme: Scheme }[] = [
  { viewport: 'desktop', scheme: 'light' },
  { viewport: 'desktop', scheme: 'dark' },
  { viewport: 'phone', scheme: 'light' },
  { viewport: 'phone', scheme: 'dark' },
];

for (const { viewport, scheme } of COMBOS) {
  describe(`rule pages on a ${viewport} in ${scheme} mode`, () => {
    let cp: ConsolePage;
    beforeAll(async () => {
      cp = await openPage(browser, { viewport, scheme });
      await signIn(cp.page, stack, 'admin', '/rules');
    });
    afterAll(async () => {
      await cp.context.close();
    });
    for (const s of STATES) {
      it(`when ${s.name} opens, then it renders without errors or serious accessibility violations`, async () => {
        const before = cp.problems.length;
        await cp.page.goto(`${stack.url}${s.path()}`);
        await cp.page.locator('main h1').first().waitFor();
        try {
          await s.ready(cp.page);
          await settled(cp.page);
        } finally {
          await shoot(cp.page, `${s.name}-${viewport}-${scheme}`);
        }
        expect(await seriousViolations(cp.page)).toEqual([]);
        // A missing rule is a 404 the page explains; the browser logs the failed request.
        const logged = cp.problems
          .slice(before)
          .filter((m) => !(s.name === 'rule-missing' && m.includes('404')));
        expect(logged).toEqual([]);
      }, 60_000);
    }
  });
}
