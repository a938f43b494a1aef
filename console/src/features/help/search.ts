// Help search: every word of the query must occur in the article; titles and keywords weigh
// most, then the summary, then the text. Words match at their start ("veloc" finds velocity).
import type { HelpArticle } from './articles';

export interface SearchHit {
  article: HelpArticle;
  score: number;
  /** A line of the body around the first match, when the match is in the body. */
  excerpt?: string;
}

const WEIGHTS = { title: 10, keywords: 8, summary: 4, body: 1 } as const;

export function words(query: string): string[] {
  return query
    .toLowerCase()
    .split(/[^\p{L}\p{N}_.-]+/u)
    .filter((w) => w.length > 1);
}

function count(haystack: string, word: string): number {
  const re = new RegExp(`(^|[^\\p{L}\\p{N}])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'gu');
  return haystack.match(re)?.length ?? 0;
}

function excerptOf(body: string, word: string): string | undefined {
  const line = body
    .split('\n')
    .find((l) => l.toLowerCase().includes(word) && !l.startsWith('```') && !l.startsWith('|'));
  if (!line) return undefined;
  const clean = line
    .replace(/^\s*(?:[-#]+|\d+\.)\s+/, '')
    .replace(/(?<!\w)_([^_]+)_(?!\w)/g, '$1')
    .replace(/[*`[\]]/g, '')
    .replace(/\(\/[^)]*\)/g, '')
    .trim();
  return clean.length > 160 ? `${clean.slice(0, 157)}…` : clean;
}

function scoreOf(a: HelpArticle, ws: string[]): number {
  const fields = {
    title: a.title.toLowerCase(),
    keywords: a.keywords.join(', ').toLowerCase(),
    summary: a.summary.toLowerCase(),
    body: a.body.toLowerCase(),
  };
  let score = 0;
  for (const w of ws) {
    let s = 0;
    for (const [k, weight] of Object.entries(WEIGHTS))
      s += weight * Math.min(5, count(fields[k as keyof typeof fields], w));
    if (s === 0) return 0;
    score += s;
  }
  return score;
}

export function searchArticles(articles: HelpArticle[], query: string): SearchHit[] {
  const ws = words(query);
  if (ws.length === 0) return articles.map((article) => ({ article, score: 0 }));
  return articles
    .map((article) => ({
      article,
      score: scoreOf(article, ws),
      excerpt: excerptOf(article.body, ws[0] ?? ''),
    }))
    .filter((h) => h.score > 0)
    .sort((a, b) => b.score - a.score || a.article.title.localeCompare(b.article.title));
}
