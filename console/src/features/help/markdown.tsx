// A small Markdown renderer for the help articles — headings, paragraphs, lists, fenced code,
// tables, and inline code, bold, emphasis and links — into React elements (never raw HTML).
// Only what docs/help/ uses; anything else shows as text.
import { CodeBlock, CodeBlockCode, Content } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

export type Block =
  | { kind: 'heading'; level: 2 | 3 | 4; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; ordered: boolean; items: string[] }
  | { kind: 'code'; lang: string; text: string }
  | { kind: 'table'; head: string[]; rows: string[][] };

const LIST_ITEM = /^(\s*)(-|\d+\.) (.*)$/;

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());
}

function readFence(lines: string[], i: number): [Block, number] {
  const lang = lines[i]?.slice(3).trim() ?? '';
  const body: string[] = [];
  let j = i + 1;
  while (j < lines.length && !lines[j]?.startsWith('```')) body.push(lines[j++] ?? '');
  return [{ kind: 'code', lang, text: body.join('\n') }, j + 1];
}

function readTable(lines: string[], i: number): [Block, number] {
  const head = cells(lines[i] ?? '');
  const rows: string[][] = [];
  let j = i + 2;
  while (lines[j]?.startsWith('|')) rows.push(cells(lines[j++] ?? ''));
  return [{ kind: 'table', head, rows }, j];
}

function readList(lines: string[], i: number): [Block, number] {
  const ordered = /^\d/.test(LIST_ITEM.exec(lines[i] ?? '')?.[2] ?? '');
  const items: string[] = [];
  let j = i;
  for (; j < lines.length; j++) {
    const line = lines[j] ?? '';
    const m = LIST_ITEM.exec(line);
    if (m) items.push(m[3] ?? '');
    else if (/^\s+\S/.test(line) && items.length > 0)
      items[items.length - 1] = `${items.at(-1) ?? ''} ${line.trim()}`;
    else break;
  }
  return [{ kind: 'list', ordered, items }, j];
}

function readParagraph(lines: string[], i: number): [Block, number] {
  const text: string[] = [];
  let j = i;
  while (j < lines.length && startsBlock(lines[j] ?? '') === 'paragraph')
    text.push((lines[j++] ?? '').trim());
  return [{ kind: 'paragraph', text: text.join(' ') }, j];
}

function startsBlock(line: string): Block['kind'] | 'blank' {
  if (line.trim() === '') return 'blank';
  if (line.startsWith('```')) return 'code';
  if (/^#{1,4} /.test(line)) return 'heading';
  if (line.startsWith('|')) return 'table';
  if (LIST_ITEM.test(line)) return 'list';
  return 'paragraph';
}

export function parseMarkdown(md: string): Block[] {
  const lines = md.replace(/\r\n/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const kind = startsBlock(line);
    if (kind === 'blank') {
      i++;
      continue;
    }
    if (kind === 'heading') {
      const hashes = /^#+/.exec(line)?.[0].length ?? 2;
      blocks.push({
        kind: 'heading',
        level: Math.min(4, Math.max(2, hashes)) as 2 | 3 | 4,
        text: line.replace(/^#+ /, ''),
      });
      i++;
      continue;
    }
    const read = { code: readFence, table: readTable, list: readList, paragraph: readParagraph }[kind];
    const [block, next] = read(lines, i);
    blocks.push(block);
    i = next;
  }
  return blocks;
}

const INLINE = /`([^`]+)`|\*\*([^*]+)\*\*|(?<!\w)[*_]([^*_]+)[*_](?!\w)|\[([^\]]+)\]\(([^)\s]+)\)/g;

function link(text: string, href: string, key: number): ReactNode {
  // Console pages go through the router; the API's own documents and outside sites are plain links.
  if (href.startsWith('/') && !href.startsWith('/api/'))
    return (
      <Link key={key} to={href}>
        {text}
      </Link>
    );
  const external = /^https?:/.test(href);
  return (
    <a key={key} href={href} {...(external ? { target: '_blank', rel: 'noreferrer' } : {})}>
      {text}
    </a>
  );
}

export function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let key = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const [, code, bold, em, label, href] = m;
    if (code !== undefined) out.push(<code key={key++}>{code}</code>);
    else if (bold !== undefined) out.push(<strong key={key++}>{inline(bold)}</strong>);
    else if (em !== undefined) out.push(<em key={key++}>{inline(em)}</em>);
    else out.push(link(label ?? '', href ?? '', key++));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function headingId(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function BlockView({ block }: { block: Block }) {
  switch (block.kind) {
    case 'heading': {
      const H = `h${String(block.level)}` as 'h2' | 'h3' | 'h4';
      return <H id={headingId(block.text)}>{inline(block.text)}</H>;
    }
    case 'paragraph':
      return <p>{inline(block.text)}</p>;
    case 'list': {
      const L = block.ordered ? 'ol' : 'ul';
      return (
        <L>
          {block.items.map((item, i) => (
            <li key={i}>{inline(item)}</li>
          ))}
        </L>
      );
    }
    case 'code':
      return (
        <CodeBlock className="payflow-help-code">
          <CodeBlockCode>{block.text}</CodeBlockCode>
        </CodeBlock>
      );
    case 'table':
      return (
        <Table variant="compact" aria-label={block.head.join(', ')} className="payflow-help-table">
          <Thead>
            <Tr>
              {block.head.map((h, i) => (
                <Th key={i}>{inline(h)}</Th>
              ))}
            </Tr>
          </Thead>
          <Tbody>
            {block.rows.map((row, r) => (
              <Tr key={r}>
                {row.map((c, i) => (
                  <Td key={i} dataLabel={block.head[i]}>
                    {inline(c)}
                  </Td>
                ))}
              </Tr>
            ))}
          </Tbody>
        </Table>
      );
  }
}

export function Markdown({ source }: { source: string }) {
  return (
    <Content className="payflow-help-article">
      {parseMarkdown(source).map((b, i) => (
        <BlockView key={i} block={b} />
      ))}
    </Content>
  );
}
