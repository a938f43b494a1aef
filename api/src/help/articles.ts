// The help center's articles: Markdown files in docs/help/, each opening with front matter
//
//   ---
//   title: …
//   summary: …
//   keywords: a, b, c
//   route: /rules        (optional: the console page the article explains)
//   ---
//
// The console ships the same files (a Vite import of the raw text); this module reads them on
// the server, for anything that answers from the help center.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HelpArticle {
  /** The file name without `.md`: the article's address is `/help/<slug>` in the console. */
  readonly slug: string;
  readonly title: string;
  readonly summary: string;
  readonly keywords: readonly string[];
  readonly route?: string;
  /** The Markdown after the front matter. */
  readonly body: string;
}

/** docs/help/ of the repository (and of the API image, which copies it beside api/). */
export const HELP_DIR = join(import.meta.dirname, '..', '..', '..', 'docs', 'help');

const FRONT_MATTER = /^---\ntitle: (.+)\nsummary: (.+)\nkeywords: (.+)\n(?:route: (\/\S*)\n)?---\n/;

/** Parses one article; throws naming the file when its front matter is not the expected shape. */
export function parseHelpArticle(slug: string, text: string): HelpArticle {
  const m = FRONT_MATTER.exec(text.replace(/\r\n/g, '\n'));
  if (!m?.[1] || !m[2] || !m[3]) {
    throw new Error(`docs/help/${slug}.md: front matter must be ---, title, summary, keywords, [route], ---`);
  }
  const keywords = m[3]
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const base = { slug, title: m[1].trim(), summary: m[2].trim(), keywords, body: text.slice(m[0].length) };
  return m[4] ? { ...base, route: m[4] } : base;
}

/** Every article of `dir`, sorted by slug. */
export function loadHelpArticles(dir: string = HELP_DIR): HelpArticle[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => parseHelpArticle(f.slice(0, -3), readFileSync(join(dir, f), 'utf8')));
}
