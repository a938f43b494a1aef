import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import { ARTICLES, articleForPath, parseArticle } from './articles';
import HelpPage from './HelpPage';
import { parseMarkdown } from './markdown';
import { searchArticles } from './search';

describe('help articles', () => {
  it('when the console is built, then every article of docs/help is in it', () => {
    expect(ARTICLES.length).toBeGreaterThanOrEqual(15);
    expect(ARTICLES[0]?.slug).toBe('getting-started');
    expect(parseArticle('x', 'no front matter')).toBeUndefined();
  });

  it('when "velocity" is searched, then the rule language article comes first', () => {
    const hits = searchArticles(ARTICLES, 'velocity');
    expect(hits[0]?.article.slug).toBe('rule-language');
    expect(searchArticles(ARTICLES, 'chargeback')[0]?.article.slug).toBe('payment-states');
    expect(searchArticles(ARTICLES, 'zzzz-nothing')).toEqual([]);
    // Excerpts are text: no list markers, emphasis or link targets.
    const excerpt = searchArticles(ARTICLES, 'chargeback').find(
      (h) => h.article.slug === 'help-center',
    )?.excerpt;
    expect(excerpt).toMatch(/^Search: type a word on the Help page \(velocity, refund, chargeback\)/);
  });

  it('when a page asks for its article, then the longest matching route wins', () => {
    expect(articleForPath('/payments/pay_01')?.slug).toBe('payments');
    expect(articleForPath('/rules/new')?.slug).toBe('rule-language');
    expect(articleForPath('/rules/r_1/edit')?.slug).toBe('rules');
    expect(articleForPath('/settings/system')?.slug).toBe('settings');
    expect(articleForPath('/settings/users')?.slug).toBe('roles');
    expect(articleForPath('/nowhere')).toBeUndefined();
  });

  it('when Markdown is parsed, then headings, lists, code and tables are blocks', () => {
    const blocks = parseMarkdown(
      '## A\n\n- one\n  more\n- two\n\n```json\n{}\n```\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\ntext\nwrapped',
    );
    expect(blocks).toEqual([
      { kind: 'heading', level: 2, text: 'A' },
      { kind: 'list', ordered: false, items: ['one more', 'two'] },
      { kind: 'code', lang: 'json', text: '{}' },
      { kind: 'table', head: ['a', 'b'], rows: [['1', '2']] },
      { kind: 'paragraph', text: 'text wrapped' },
    ]);
  });
});

function renderHelp(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/help" element={<HelpPage />} />
        <Route path="/help/:slug" element={<HelpPage />} />
      </Routes>
    </MemoryRouter>,
  );
}

describe('help page', () => {
  it('when the user searches for velocity, then the rule language article is listed and opens', async () => {
    const user = userEvent.setup();
    renderHelp('/help');
    await user.type(screen.getByRole('textbox', { name: 'Search help' }), 'velocity');
    const results = screen.getByRole('list', { name: 'Articles matching velocity' });
    const first = within(results).getAllByRole('link')[0];
    expect(first?.textContent).toBe('The rule language');
    if (!first) throw new Error('no result');
    await user.click(first);
    expect(await screen.findByRole('heading', { level: 1, name: 'The rule language' })).toBeTruthy();
    expect(screen.getByRole('heading', { level: 2, name: 'Example: velocity' })).toBeTruthy();
  });

  it('when the transition article opens, then its table is a real table', async () => {
    renderHelp('/help/payment-states');
    const table = await screen.findByRole('grid', { name: 'State, Event, Next state' });
    expect(within(table).getAllByRole('row').length).toBe(17);
  });

  it('when an article does not exist, then the page says so', async () => {
    renderHelp('/help/nope');
    expect(await screen.findByRole('heading', { name: 'No such help article' })).toBeTruthy();
  });
});
