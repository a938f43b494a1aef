// The assistant's chat panel, loaded only when first opened (its own chunk). It asks the API,
// which answers with Gemini when a key is configured on the server, or with the built-in
// assistant; either reads only what the signed-in user may read, and neither changes anything.
// A rule the assistant drafts opens in the rule builder for the user to review and save.
import {
  Alert,
  Button,
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Form,
  Label,
  LabelGroup,
  TextArea,
} from '@patternfly/react-core';
import TimesIcon from '@patternfly/react-icons/dist/esm/icons/times-icon';
import { useQuery } from '@tanstack/react-query';
import { Fragment, useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, describeError } from '../../lib/api';
import { ask, type AssistantEvent, type ChatMessage, type RuleDraft } from './stream';
import './assistant.css';

interface Turn {
  role: 'user' | 'assistant';
  text: string;
  tools: { name: string; ok: boolean }[];
  links: { label: string; href: string }[];
  draft?: RuleDraft;
  error?: string;
  pending?: boolean;
}

const SUGGESTIONS = ['Open critical alerts', 'Is the DLQ growing?', 'How do velocity rules work?'];

const TOOL_TEXT: Record<string, string> = {
  explain_payment_flag: 'read the payment, its alerts and audit trail',
  get_payment: 'read the payment',
  list_alerts: 'read the alert queue',
  get_alert: 'read the alert',
  list_rules: 'read the rules',
  get_rule: 'read the rule',
  search_audit: 'read the audit log',
  system_health: 'read system health',
  queue_stats: 'read the queues',
  search_help: 'searched the help center',
  draft_rule: 'drafted a rule (not saved)',
};

/** **bold** within a line. */
function inline(text: string): ReactNode[] {
  return text
    .split(/(\*\*[^*]+\*\*)/g)
    .map((part, i) =>
      part.startsWith('**') && part.endsWith('**') ? <strong key={i}>{part.slice(2, -2)}</strong> : part,
    );
}

/** The little Markdown answers use: paragraphs, "- " lists and **bold**. */
function Answer({ text }: { text: string }) {
  const blocks: ReactNode[] = [];
  let list: string[] = [];
  const flush = () => {
    if (list.length > 0) {
      blocks.push(
        <ul key={`l${String(blocks.length)}`}>
          {list.map((l, i) => (
            <li key={i}>{inline(l)}</li>
          ))}
        </ul>,
      );
      list = [];
    }
  };
  for (const line of text.split('\n')) {
    if (/^\s*[-*] /.test(line)) list.push(line.replace(/^\s*[-*] /, ''));
    else {
      flush();
      if (line.trim() !== '') blocks.push(<p key={`p${String(blocks.length)}`}>{inline(line)}</p>);
    }
  }
  flush();
  return <>{blocks}</>;
}

function TurnView({ turn, onOpenDraft }: { turn: Turn; onOpenDraft: (d: RuleDraft) => void }) {
  if (turn.role === 'user') {
    return (
      <div className="payflow-assistant__turn payflow-assistant__turn--user">
        <span className="pf-v6-screen-reader">You asked: </span>
        {turn.text}
      </div>
    );
  }
  return (
    <div className="payflow-assistant__turn payflow-assistant__turn--assistant">
      <span className="pf-v6-screen-reader">The assistant answered: </span>
      {turn.tools.length > 0 && (
        <LabelGroup numLabels={4} className="payflow-assistant__tools" aria-label="What the assistant read">
          {turn.tools.map((t, i) => (
            <Label key={i} isCompact color={t.ok ? 'grey' : 'red'}>
              {TOOL_TEXT[t.name] ?? t.name}
              {t.ok ? '' : ' (failed)'}
            </Label>
          ))}
        </LabelGroup>
      )}
      <Answer text={turn.text} />
      {turn.pending && turn.text === '' && <p className="payflow-assistant__thinking">Thinking…</p>}
      {turn.draft && (
        <Alert isInline variant="info" title={`Rule draft: ${turn.draft.name}`} component="h3">
          <p>Not saved. Review it, backtest it and save it yourself in the rule builder.</p>
          <Button
            variant="secondary"
            size="sm"
            onClick={() => {
              if (turn.draft) onOpenDraft(turn.draft);
            }}
          >
            Open in the rule builder
          </Button>
        </Alert>
      )}
      {turn.error && <Alert isInline isPlain variant="danger" title={turn.error} component="p" />}
      {turn.links.length > 0 && (
        <p className="payflow-assistant__links">
          {turn.links.map((l, i) => (
            <Fragment key={`${l.href}-${String(i)}`}>
              {i > 0 && ' · '}
              <Link to={l.href}>{l.label}</Link>
            </Fragment>
          ))}
        </p>
      )}
    </div>
  );
}

function apply(turn: Turn, e: AssistantEvent): Turn {
  switch (e.kind) {
    case 'text':
      return { ...turn, text: turn.text + e.text };
    case 'tool':
      return { ...turn, tools: [...turn.tools, { name: e.name, ok: e.ok }] };
    case 'link':
      return turn.links.some((l) => l.href === e.href) ? turn : { ...turn, links: [...turn.links, e] };
    case 'draft':
      return { ...turn, draft: e.draft };
    case 'error':
      return { ...turn, error: e.detail, pending: false };
    case 'done':
      return { ...turn, pending: false };
    default:
      return turn;
  }
}

export default function AssistantPanel({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const info = useQuery({
    queryKey: ['assistant'],
    queryFn: ({ signal }) =>
      api.get<{ mode: 'gemini' | 'builtin'; model: string | null }>('/api/v1/assistant', undefined, signal),
    staleTime: 5 * 60_000,
  });
  const [turns, setTurns] = useState<Turn[]>([]);
  const [draft, setDraft] = useState('');
  const abort = useRef<AbortController | null>(null);
  const end = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const busy = turns.at(-1)?.pending === true;

  useEffect(() => {
    input.current?.focus();
    return () => abort.current?.abort();
  }, []);
  useEffect(() => {
    // jsdom has no scrollIntoView.
    if (typeof end.current?.scrollIntoView === 'function') end.current.scrollIntoView({ block: 'end' });
  }, [turns]);

  const send = (question: string) => {
    const text = question.trim();
    if (text === '' || busy) return;
    const history: ChatMessage[] = [
      ...turns.filter((t) => t.text !== '').map((t): ChatMessage => ({ role: t.role, text: t.text })),
      { role: 'user' as const, text },
    ].slice(-20);
    setTurns((list) => [
      ...list,
      { role: 'user', text, tools: [], links: [] },
      { role: 'assistant', text: '', tools: [], links: [], pending: true },
    ]);
    setDraft('');
    const controller = new AbortController();
    abort.current = controller;
    const update = (f: (t: Turn) => Turn) => {
      setTurns((list) => {
        const last = list.at(-1);
        return last ? [...list.slice(0, -1), f(last)] : list;
      });
    };
    ask(
      history,
      (e) => {
        update((t) => apply(t, e));
      },
      controller.signal,
    )
      .catch((err: unknown) => {
        if (!controller.signal.aborted) update((t) => ({ ...t, error: describeError(err), pending: false }));
      })
      .finally(() => {
        update((t) => ({ ...t, pending: false }));
      });
  };

  const openDraft = (d: RuleDraft) => {
    void navigate('/rules/new', { state: { assistantDraft: d } });
  };

  const mode = info.data?.mode;
  return (
    <Card
      className="payflow-assistant"
      role="dialog"
      aria-modal="false"
      aria-labelledby="payflow-assistant-title"
      data-testid="assistant-panel"
    >
      <CardHeader
        actions={{
          actions: (
            <Button variant="plain" aria-label="Close the assistant" icon={<TimesIcon />} onClick={onClose} />
          ),
          hasNoOffset: true,
        }}
      >
        <CardTitle id="payflow-assistant-title" component="h2">
          Assistant{' '}
          {mode && (
            <Label isCompact color={mode === 'gemini' ? 'purple' : 'blue'}>
              {mode === 'gemini' ? `Gemini${info.data?.model ? ` · ${info.data.model}` : ''}` : 'Built-in'}
            </Label>
          )}
        </CardTitle>
      </CardHeader>
      <CardBody className="payflow-assistant__body">
        <div className="payflow-assistant__log" aria-live="polite" aria-busy={busy}>
          {turns.length === 0 && (
            <div className="payflow-assistant__intro">
              <p>
                Ask about payments, alerts, rules, the queues or how PayFlow works. I read only what you can
                read, and I never refund, resolve or save anything.
              </p>
              <p>Try:</p>
              <LabelGroup aria-label="Suggested questions" numLabels={5}>
                {SUGGESTIONS.map((s) => (
                  <Label
                    key={s}
                    variant="outline"
                    onClick={() => {
                      send(s);
                    }}
                  >
                    {s}
                  </Label>
                ))}
              </LabelGroup>
            </div>
          )}
          {turns.map((t, i) => (
            <TurnView key={i} turn={t} onOpenDraft={openDraft} />
          ))}
          <div ref={end} />
        </div>
        <Form
          className="payflow-assistant__form"
          onSubmit={(e) => {
            e.preventDefault();
            send(draft);
          }}
        >
          <TextArea
            ref={input}
            aria-label="Ask the assistant"
            placeholder="Why was pay_… flagged?"
            value={draft}
            rows={2}
            resizeOrientation="vertical"
            onChange={(_e, v) => {
              setDraft(v);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                send(draft);
              }
            }}
          />
          <Button type="submit" isDisabled={busy || draft.trim() === ''} isLoading={busy}>
            Ask
          </Button>
        </Form>
      </CardBody>
    </Card>
  );
}
