// The help center's articles, shipped with the console: the Markdown files of docs/help/,
// imported as raw text at build time (in the Help page's chunk only). The front matter is the
// one the server reads (api/src/help/articles.ts).
import { matchPath } from 'react-router';

export interface HelpArticle {
  slug: string;
  title: string;
  summary: string;
  keywords: string[];
  route?: string;
  body: string;
}

const FRONT_MATTER = /^---\ntitle: (.+)\nsummary: (.+)\nkeywords: (.+)\n(?:route: (\/\S*)\n)?---\n/;

export function parseArticle(slug: string, text: string): HelpArticle | undefined {
  const m = FRONT_MATTER.exec(text.replace(/\r\n/g, '\n'));
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  const keywords = m[3]
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const article: HelpArticle = {
    slug,
    title: m[1].trim(),
    summary: m[2].trim(),
    keywords,
    body: text.slice(m[0].length),
  };
  if (m[4]) article.route = m[4];
  return article;
}

const files = import.meta.glob<string>('../../../../docs/help/*.md', {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** Every article, the getting-started one first, then by title. */
export const ARTICLES: HelpArticle[] = Object.entries(files)
  .map(([path, text]) => parseArticle(/([^/]+)\.md$/.exec(path)?.[1] ?? path, text))
  .filter((a): a is HelpArticle => a !== undefined)
  .sort((a, b) =>
    a.slug === 'getting-started' ? -1 : b.slug === 'getting-started' ? 1 : a.title.localeCompare(b.title),
  );

export function articleBySlug(slug: string | undefined): HelpArticle | undefined {
  return ARTICLES.find((a) => a.slug === slug);
}

/**
 * The article for a console path: the one whose route is the path, else the longest route the
 * path starts with (`/payments/pay_1` → the payments article, `/rules/r1/edit` → rules).
 */
export function articleForPath(pathname: string, articles = ARTICLES): HelpArticle | undefined {
  let best: HelpArticle | undefined;
  for (const a of articles) {
    if (!a.route) continue;
    if (matchPath(a.route, pathname)) return a;
    const prefix = pathname === a.route || pathname.startsWith(`${a.route}/`);
    if (prefix && a.route.length > (best?.route?.length ?? 0)) best = a;
  }
  return best;
}
