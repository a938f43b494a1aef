// Answering from the help center: the articles (docs/help, read by ../help/articles.ts; HELP_DIR
// to read another folder) ranked for a question by their keywords, title, summary and body.
import { HELP_DIR, loadHelpArticles, type HelpArticle } from '../help/articles.ts';

export type { HelpArticle };

/** The repository's docs/help (also where the API image puts it). */
export const DEFAULT_HELP_DIR = HELP_DIR;

const cache = new Map<string, HelpArticle[]>();

/** The articles of a folder, read once per process; none when the folder cannot be read. */
export function loadHelp(dir: string): Promise<HelpArticle[]> {
  let found = cache.get(dir);
  if (!found) {
    try {
      found = loadHelpArticles(dir);
    } catch {
      found = [];
    }
    cache.set(dir, found);
  }
  return Promise.resolve(found);
}

const STOP = new Set(
  'a an and are as at be by can do does for from how i in is it me my of on or the this to what when where which who why with you your'.split(
    ' ',
  ),
);

export function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9_]+/)
    .filter((w) => w.length > 1 && !STOP.has(w));
}

/** A word matches a term when one starts with the other ("rules" and "rule", "velocity"). */
const near = (a: string, b: string): boolean =>
  a === b || (a.length > 3 && b.length > 3 && (a.startsWith(b) || b.startsWith(a)));

/** The articles that best answer a question: keywords and title weigh most, then the body. */
export function searchHelp(
  articles: readonly HelpArticle[],
  question: string,
  limit = 3,
): { article: HelpArticle; score: number }[] {
  const terms = words(question);
  if (terms.length === 0) return [];
  const scored = articles.map((article) => {
    const title = words(article.title);
    const keywords = article.keywords.flatMap(words);
    const summary = words(article.summary);
    const body = words(article.body);
    let score = 0;
    for (const t of terms) {
      if (keywords.some((k) => near(k, t))) score += 5;
      if (title.some((k) => near(k, t))) score += 4;
      if (summary.some((k) => near(k, t))) score += 2;
      if (body.some((k) => near(k, t))) score += 1;
    }
    return { article, score };
  });
  return scored
    .filter((s) => s.score >= 3)
    .sort((a, b) => b.score - a.score || a.article.slug.localeCompare(b.article.slug))
    .slice(0, limit);
}

/** The first paragraph of an article's body (no headings), for a short answer. */
export function firstParagraph(article: HelpArticle): string {
  const para = article.body
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .find((p) => p !== '' && !p.startsWith('#') && !p.startsWith('```'));
  return (para ?? article.summary).replace(/\s+/g, ' ');
}
