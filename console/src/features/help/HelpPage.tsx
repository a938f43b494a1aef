// The help center: every article of docs/help/, searchable (the query is kept in the address),
// and one article at /help/<slug>. `/help?for=<console path>` opens the article for that page
// (the "?" beside each page title links there).
import {
  Button,
  EmptyState,
  EmptyStateBody,
  Grid,
  GridItem,
  Label,
  LabelGroup,
  Menu,
  MenuContent,
  MenuItem,
  MenuList,
  PageSection,
  SearchInput,
  Title,
} from '@patternfly/react-core';
import SearchIcon from '@patternfly/react-icons/dist/esm/icons/search-icon';
import { useMemo } from 'react';
import { Link, Navigate, useNavigate, useParams, useSearchParams } from 'react-router';
import { PageHeader } from '../../components/PageHeader';
import { useUrlState } from '../../lib/url-state';
import { ARTICLES, articleBySlug, articleForPath, type HelpArticle } from './articles';
import { Markdown } from './markdown';
import { searchArticles } from './search';
import './help.css';

function ArticleNav({ current }: { current?: string }) {
  const navigate = useNavigate();
  return (
    <nav aria-label="Help articles">
      <Menu isPlain activeItemId={current} onSelect={(_e, id) => void navigate(`/help/${String(id)}`)}>
        <MenuContent>
          <MenuList>
            {ARTICLES.map((a) => (
              <MenuItem key={a.slug} itemId={a.slug} isSelected={a.slug === current}>
                {a.title}
              </MenuItem>
            ))}
          </MenuList>
        </MenuContent>
      </Menu>
    </nav>
  );
}

function Results({ query }: { query: string }) {
  const hits = useMemo(() => searchArticles(ARTICLES, query), [query]);
  if (hits.length === 0)
    return (
      <EmptyState headingLevel="h2" icon={SearchIcon} titleText="No article matches">
        <EmptyStateBody>
          Nothing in the help center mentions “{query}”. Try another word, such as refund, velocity or
          chargeback.
        </EmptyStateBody>
      </EmptyState>
    );
  return (
    <ul className="payflow-help-results" aria-label={query ? `Articles matching ${query}` : 'All articles'}>
      {hits.map(({ article, excerpt }) => (
        <li key={article.slug}>
          <Title headingLevel="h2" size="lg">
            <Link to={`/help/${article.slug}`}>{article.title}</Link>
          </Title>
          <p>{article.summary}</p>
          {query && excerpt && <p className="pf-v6-u-text-color-subtle pf-v6-u-font-size-sm">… {excerpt}</p>}
        </li>
      ))}
    </ul>
  );
}

function Search() {
  const url = useUrlState(['q'] as const);
  return (
    <>
      <SearchInput
        aria-label="Search help"
        placeholder="Search help, e.g. velocity, refund, chargeback"
        value={url.values.q}
        onChange={(_e, v) => {
          url.set({ q: v });
        }}
        onClear={() => {
          url.set({ q: undefined });
        }}
      />
      <div className="pf-v6-u-mt-lg" aria-live="polite">
        <Results query={url.values.q} />
      </div>
    </>
  );
}

function ArticleView({ article }: { article: HelpArticle }) {
  const page =
    article.route && !article.route.includes(':') && article.route !== '/help' ? article.route : undefined;
  return (
    <>
      <PageHeader
        title={article.title}
        description={article.summary}
        help={false}
        actions={
          page && (
            <Button variant="secondary" component={(props: object) => <Link {...props} to={page} />}>
              Open the page
            </Button>
          )
        }
      />
      <PageSection>
        <Grid hasGutter>
          <GridItem lg={8}>
            <article aria-label={article.title}>
              <Markdown source={article.body} />
            </article>
            <LabelGroup categoryName="Keywords" className="pf-v6-u-mt-xl" numLabels={12}>
              {article.keywords.map((k) => (
                <Label key={k} isCompact>
                  {k}
                </Label>
              ))}
            </LabelGroup>
          </GridItem>
          <GridItem lg={4} className="payflow-help-side">
            <Link to="/help">← All articles</Link>
            <ArticleNav current={article.slug} />
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}

function NoArticle({ slug }: { slug: string }) {
  return (
    <PageSection>
      <EmptyState headingLevel="h1" icon={SearchIcon} titleText="No such help article">
        <EmptyStateBody>
          There is no article “{slug}”. <Link to="/help">See all articles</Link>.
        </EmptyStateBody>
      </EmptyState>
    </PageSection>
  );
}

export default function HelpPage() {
  const { slug } = useParams();
  const [params] = useSearchParams();
  const forPath = params.get('for');
  if (forPath) {
    const a = articleForPath(forPath);
    return <Navigate to={a ? `/help/${a.slug}` : '/help'} replace />;
  }
  if (slug) {
    const article = articleBySlug(slug);
    return article ? <ArticleView article={article} /> : <NoArticle slug={slug} />;
  }
  return (
    <>
      <PageHeader
        title="Help"
        description="How PayFlow works and how to work in it: every page and concept, searchable."
        help={false}
      />
      <PageSection>
        <Search />
      </PageSection>
    </>
  );
}
