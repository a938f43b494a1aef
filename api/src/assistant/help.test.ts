import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstParagraph, loadHelp, searchHelp } from './help.ts';

const RULES = `---
title: Writing rules
summary: The rule language, with examples.
keywords: rules, velocity, conditions
route: /rules
---
# Writing rules

A rule is a condition over a payment and an action.

## Velocity
count(*) over 10m by payer_id.
`;

describe('help articles', () => {
  it('when a folder holds articles, then a question finds the best one first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'help-'));
    await writeFile(join(dir, 'rules.md'), RULES);
    await writeFile(
      join(dir, 'roles.md'),
      '---\ntitle: Roles\nsummary: Viewer, operator, admin.\nkeywords: roles, permissions\nroute: /settings/users\n---\nViewers read.',
    );
    await writeFile(join(dir, 'notes.txt'), 'not an article');
    expect(await loadHelp(join(dir, 'missing'))).toEqual([]);
    const articles = await loadHelp(dir);
    expect(articles.map((a) => a.slug)).toEqual(['roles', 'rules']);
    expect(searchHelp(articles, 'How do I write a velocity rule?')[0]?.article.slug).toBe('rules');
    expect(searchHelp(articles, 'what permissions does a viewer have')[0]?.article.slug).toBe('roles');
    expect(searchHelp(articles, 'zebra')).toEqual([]);
    expect(firstParagraph(articles[1]!)).toBe('A rule is a condition over a payment and an action.');
  });
});
