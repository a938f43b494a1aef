// The rule editor: one rule in two views that stay in step — the visual builder and its JSON —
// both checked as they are typed by the API's own validator (POST /rules/validate), every issue
// shown at the control or JSON text it concerns; the equivalent Rule resource; a backtest of the
// draft before saving; and a save that records why (each save is a new version).
import {
  ActionGroup,
  Alert,
  Button,
  Card,
  CardBody,
  CardTitle,
  ClipboardCopy,
  ClipboardCopyVariant,
  CodeBlock,
  CodeBlockCode,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  Grid,
  GridItem,
  HelperText,
  HelperTextItem,
  PageSection,
  Radio,
  Skeleton,
  Switch,
  Tab,
  Tabs,
  TabTitleText,
  TextArea,
  TextInput,
} from '@patternfly/react-core';
import { useMutation, useQueryClient, type UseMutationResult } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ErrorState } from '../../components/ErrorState';
import { GuardedButton } from '../../components/Guarded';
import { PageHeader } from '../../components/PageHeader';
import { humanize } from '../../components/StateLabel';
import { api, ApiError, describeError } from '../../lib/api';
import { useIntentKey } from '../../lib/idempotency';
import { keys } from '../../lib/query';
import { BacktestPanel, type SavedVersion } from './BacktestPanel';
import { ConditionBuilder } from './ConditionBuilder';
import { useLiveRules, useRule, useValidation } from './data';
import { ACTIONS, lineOf, locate, segments, SEVERITIES, type Definition, type Issue } from './model';
import { ruleSource } from './source';
import type { Rule } from './types';
import './rules.css';

interface Draft {
  name: string;
  description: string;
  enabled: boolean;
  shadow_of: string | null;
  rule_definition: Definition;
}

const NEW_RULE: Draft = {
  name: '',
  description: '',
  enabled: true,
  shadow_of: null,
  rule_definition: { condition: { all: [] }, action: 'alert', severity: 'high', mode: 'enforce' },
};

function draftOf(rule: Rule): Draft {
  return {
    name: rule.name,
    description: rule.description,
    enabled: rule.enabled,
    shadow_of: rule.shadow_of ?? null,
    rule_definition: rule.rule_definition,
  };
}

const pretty = (v: unknown): string => JSON.stringify(v, null, 2);

function fieldError(issues: readonly Issue[], field: string): string | undefined {
  return issues.find((i) => i.field === field)?.message;
}

function Helper({ error, hint }: { error?: string | undefined; hint?: string }) {
  if (!error && !hint) return null;
  return (
    <FormHelperText>
      <HelperText>
        <HelperTextItem variant={error ? 'error' : 'default'}>{error ?? hint}</HelperTextItem>
      </HelperText>
    </FormHelperText>
  );
}

function sameJson(text: string, value: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}

/** The JSON view: the definition as text; a syntax error is shown here, the rest by the validator. */
function JsonView({
  definition,
  issues,
  readOnly,
  onChange,
}: {
  definition: Definition;
  issues: readonly Issue[];
  readOnly: boolean;
  onChange: (d: Definition) => void;
}) {
  const [text, setText] = useState(() => pretty(definition));
  const [seen, setSeen] = useState(definition);
  const [syntax, setSyntax] = useState<string | undefined>(undefined);
  const area = useRef<HTMLTextAreaElement>(null);
  // The builder changed the definition: show its JSON (unless it is what this text says already).
  if (seen !== definition) {
    setSeen(definition);
    if (!sameJson(text, definition)) {
      setText(pretty(definition));
      setSyntax(undefined);
    }
  }
  const placed = issues
    .filter((i) => i.field.startsWith('rule_definition'))
    .map((i) => ({ ...i, at: locate(text, segments(i.field).slice(1)) }));
  const show = (at: { start: number; end: number } | undefined) => {
    const el = area.current;
    if (!el || !at) return;
    el.focus();
    el.setSelectionRange(at.start, at.end);
  };
  return (
    <div className="payflow-rule-json">
      <TextArea
        ref={area}
        aria-label="Rule definition as JSON"
        className="payflow-rule-json__text"
        value={text}
        readOnlyVariant={readOnly ? 'default' : undefined}
        validated={syntax || placed.length > 0 ? 'error' : 'default'}
        rows={Math.min(28, Math.max(10, text.split('\n').length + 1))}
        resizeOrientation="vertical"
        spellCheck={false}
        onChange={(_e, v) => {
          setText(v);
          try {
            const parsed = JSON.parse(v) as Definition;
            setSyntax(undefined);
            setSeen(parsed);
            onChange(parsed);
          } catch (err) {
            setSyntax((err as Error).message);
          }
        }}
      />
      {syntax && (
        <HelperText>
          <HelperTextItem variant="error">Not JSON yet: {syntax}</HelperTextItem>
        </HelperText>
      )}
      {placed.length > 0 && (
        <ul className="payflow-rule-json__issues" aria-label="Problems in the JSON">
          {placed.map((i) => (
            <li key={`${i.field}:${i.message}`}>
              <Button
                variant="link"
                isInline
                isDisabled={!i.at}
                onClick={() => {
                  show(i.at);
                }}
              >
                {i.at ? `Line ${String(lineOf(text, i.at.start))}` : 'Not in the text'}
              </Button>{' '}
              <code>{i.field.replace(/^rule_definition\.?/, '') || '(the definition)'}</code>: {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Problems({ issues, pending }: { issues: readonly Issue[]; pending: boolean }) {
  if (issues.length === 0)
    return (
      <HelperText aria-live="polite" className="pf-v6-u-mb-sm">
        <HelperTextItem variant="success">
          {pending ? 'Checking…' : 'The API accepts this rule.'}
        </HelperTextItem>
      </HelperText>
    );
  return (
    <Alert
      isInline
      variant="danger"
      title={`${String(issues.length)} ${issues.length === 1 ? 'problem' : 'problems'} in this rule`}
      className="pf-v6-u-mb-sm"
      aria-live="polite"
    >
      <ul>
        {issues.map((i) => (
          <li key={`${i.field}:${i.message}`}>
            <code>{i.field || 'rule'}</code>: {i.message}
          </li>
        ))}
      </ul>
    </Alert>
  );
}

function Settings({
  draft,
  setDraft,
  issues,
  readOnly,
  selfId,
}: {
  draft: Draft;
  setDraft: (d: Draft) => void;
  issues: readonly Issue[];
  readOnly: boolean;
  selfId: string | undefined;
}) {
  const live = useLiveRules();
  const d = draft.rule_definition;
  const setDef = (patch: Partial<Definition>) => {
    const next = { ...d, ...patch };
    setDraft({ ...draft, rule_definition: next, shadow_of: next.mode === 'shadow' ? draft.shadow_of : null });
  };
  const nameError = fieldError(issues, 'name');
  return (
    <Form
      onSubmit={(e) => {
        e.preventDefault();
      }}
    >
      <FormGroup label="Name" isRequired fieldId="rule-name">
        <TextInput
          id="rule-name"
          isRequired
          value={draft.name}
          readOnlyVariant={readOnly ? 'default' : undefined}
          validated={nameError ? 'error' : 'default'}
          onChange={(_e, v) => {
            setDraft({ ...draft, name: v });
          }}
        />
        <Helper error={nameError} />
      </FormGroup>
      <FormGroup label="Description" fieldId="rule-description">
        <TextArea
          id="rule-description"
          value={draft.description}
          readOnlyVariant={readOnly ? 'default' : undefined}
          rows={2}
          onChange={(_e, v) => {
            setDraft({ ...draft, description: v });
          }}
        />
      </FormGroup>
      <Grid hasGutter md={6}>
        <GridItem>
          <FormGroup label="Action" fieldId="rule-action">
            <FormSelect
              id="rule-action"
              value={d.action}
              isDisabled={readOnly}
              onChange={(_e, v) => {
                setDef({ action: v });
              }}
            >
              {ACTIONS.map((a) => (
                <FormSelectOption key={a} value={a} label={humanize(a)} />
              ))}
            </FormSelect>
          </FormGroup>
        </GridItem>
        <GridItem>
          <FormGroup label="Severity" fieldId="rule-severity">
            <FormSelect
              id="rule-severity"
              value={d.severity}
              isDisabled={readOnly}
              onChange={(_e, v) => {
                setDef({ severity: v });
              }}
            >
              {SEVERITIES.map((s) => (
                <FormSelectOption key={s} value={s} label={humanize(s)} />
              ))}
            </FormSelect>
          </FormGroup>
        </GridItem>
      </Grid>
      <FormGroup label="Mode" role="radiogroup" isInline fieldId="rule-mode">
        <Radio
          id="rule-mode-enforce"
          name="rule-mode"
          label="Enforce"
          description="Act on matches"
          isChecked={d.mode === 'enforce'}
          isDisabled={readOnly}
          onChange={() => {
            setDef({ mode: 'enforce' });
          }}
        />
        <Radio
          id="rule-mode-shadow"
          name="rule-mode"
          label="Shadow"
          description="Only record what it would do"
          isChecked={d.mode === 'shadow'}
          isDisabled={readOnly}
          onChange={() => {
            setDef({ mode: 'shadow' });
          }}
        />
      </FormGroup>
      {d.mode === 'shadow' && (
        <FormGroup label="Shadow of" fieldId="rule-shadow-of">
          <FormSelect
            id="rule-shadow-of"
            value={draft.shadow_of ?? ''}
            isDisabled={readOnly}
            validated={fieldError(issues, 'shadow_of') ? 'error' : 'default'}
            onChange={(_e, v) => {
              setDraft({ ...draft, shadow_of: v === '' ? null : v });
            }}
          >
            <FormSelectOption value="" label="No live rule: compare with every live rule" />
            {(live.data?.data ?? [])
              .filter((r) => r.id !== selfId)
              .map((r) => (
                <FormSelectOption key={r.id} value={r.id} label={r.name} />
              ))}
          </FormSelect>
          <Helper
            error={fieldError(issues, 'shadow_of')}
            hint="A challenger runs beside the live rule it would replace; promoting it replaces that rule's definition."
          />
        </FormGroup>
      )}
      <FormGroup fieldId="rule-enabled">
        <Switch
          id="rule-enabled"
          label="Enabled: the workers evaluate it"
          isChecked={draft.enabled}
          isDisabled={readOnly}
          onChange={(_e, v) => {
            setDraft({ ...draft, enabled: v });
          }}
        />
      </FormGroup>
    </Form>
  );
}

function ResourceTab({ yaml }: { yaml: string | null }) {
  return (
    <>
      <p className="pf-v6-u-mb-sm">
        The equivalent Kubernetes <code>Rule</code>: apply it from Git and the controller syncs the rule
        (read-only here from then on).
      </p>
      {yaml ? (
        <ClipboardCopy
          isCode
          isReadOnly
          isExpanded
          hoverTip="Copy"
          clickTip="Copied"
          variant={ClipboardCopyVariant.expansion}
          aria-label="Rule resource YAML"
        >
          {yaml}
        </ClipboardCopy>
      ) : (
        <CodeBlock>
          <CodeBlockCode>Fix the problems above to see the resource.</CodeBlockCode>
        </CodeBlock>
      )}
    </>
  );
}

function SaveCard({
  rule,
  reason,
  setReason,
  save,
  blocked,
}: {
  rule: Rule | undefined;
  reason: string;
  setReason: (r: string) => void;
  save: UseMutationResult<Rule, Error, void>;
  blocked: string | undefined;
}) {
  return (
    <Card isCompact>
      <CardBody>
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <FormGroup label="Why this change" fieldId="rule-reason">
            <TextInput
              id="rule-reason"
              value={reason}
              placeholder="Kept with the new version, e.g. “fewer false positives on travel merchants”"
              onChange={(_e, v) => {
                setReason(v);
              }}
            />
            <Helper error={save.error instanceof ApiError ? save.error.issueFor('reason') : undefined} />
          </FormGroup>
          {save.error && (
            <Alert isInline variant="danger" title="Not saved">
              {describeError(save.error)}
            </Alert>
          )}
          <ActionGroup>
            <GuardedButton need="admin" type="submit" reason={blocked} isLoading={save.isPending}>
              {rule ? `Save as version ${String(rule.version + 1)}` : 'Create rule'}
            </GuardedButton>
            <Link className="pf-v6-c-button pf-m-link" to={rule ? `/rules/${rule.id}` : '/rules'}>
              Cancel
            </Link>
          </ActionGroup>
        </Form>
      </CardBody>
    </Card>
  );
}

function useSaveRule(rule: Rule | undefined, draft: Draft, reason: string) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const intent = useIntentKey();
  return useMutation({
    mutationFn: async () => {
      const body = { ...draft, ...(reason.trim() ? { reason: reason.trim() } : {}) };
      if (rule)
        return api.put<Rule>(`/api/v1/rules/${rule.id}`, body, {
          headers: { 'If-Match': `"${String(rule.version)}"` },
        });
      return api.post<Rule>('/api/v1/rules', body, { idempotencyKey: intent.key() });
    },
    onSuccess: async (saved) => {
      intent.reset();
      await client.invalidateQueries({ queryKey: keys.rules });
      void navigate(`/rules/${saved.id}`);
    },
  });
}

/** The validator's issues and the save's; an empty name on a new rule is said once the person types or saves. */
function visibleIssues(issues: readonly Issue[], saveError: Error | null, name: string): Issue[] {
  const saveIssues = saveError instanceof ApiError ? saveError.issues : [];
  const pristineName = name === '' && saveError === null;
  return [...issues, ...saveIssues.filter((i) => !issues.some((j) => j.field === i.field))].filter(
    (i) => !(pristineName && i.field === 'name'),
  );
}

/** Why the rule cannot be saved yet, if it cannot. */
function blockedBy(issues: readonly Issue[] | undefined, name: string): string | undefined {
  if (issues?.length === 0) return undefined;
  return name.trim() === '' ? 'Give the rule a name first.' : 'Fix the problems in the rule first.';
}

/** A draft the assistant handed over (router state), for a new rule only; never saved by it. */
function assistantDraft(state: unknown): Draft | undefined {
  const d = (state as { assistantDraft?: Partial<Draft> } | null)?.assistantDraft;
  if (!d || typeof d.name !== 'string' || typeof d.rule_definition !== 'object') return undefined;
  return { ...NEW_RULE, name: d.name, description: d.description ?? '', rule_definition: d.rule_definition };
}

function Editor({ rule }: { rule: Rule | undefined }) {
  const location = useLocation();
  const [fromAssistant] = useState(() => (rule ? undefined : assistantDraft(location.state)));
  const [draft, setDraft] = useState<Draft>(() => (rule ? draftOf(rule) : (fromAssistant ?? NEW_RULE)));
  const [tab, setTab] = useState<string | number>('builder');
  const [reason, setReason] = useState('');
  const readOnly = rule?.source === 'kubernetes';
  const validation = useValidation(draft);
  const issues = useMemo(() => validation.data?.issues ?? [], [validation.data]);
  const checking = validation.isFetching || validation.isPlaceholderData;
  const blocked = blockedBy(validation.data === undefined ? undefined : issues, draft.name);
  const save = useSaveRule(rule, draft, reason);
  const shown = visibleIssues(issues, save.error, draft.name);
  const source = rule ? ruleSource(rule) : undefined;
  return (
    <>
      {fromAssistant && (
        <PageSection>
          <Alert isInline variant="info" title="Drafted by the assistant">
            Nothing is saved yet. Review the condition, backtest it, and save it yourself when it is right.
          </Alert>
        </PageSection>
      )}
      {readOnly && source && (
        <PageSection>
          <Alert isInline variant="info" title={`Rule ${source.resource ?? rule.name} (Kubernetes)`}>
            {source.note}. Change the resource in Git; the controller syncs it here.
          </Alert>
        </PageSection>
      )}
      <PageSection>
        <Grid hasGutter>
          <GridItem lg={4}>
            <Card isCompact>
              <CardTitle component="h2">Rule</CardTitle>
              <CardBody>
                <Settings
                  draft={draft}
                  setDraft={setDraft}
                  issues={shown}
                  readOnly={readOnly}
                  selfId={rule?.id}
                />
              </CardBody>
            </Card>
          </GridItem>
          <GridItem lg={8}>
            <Card isCompact>
              <CardTitle component="h2">Condition</CardTitle>
              <CardBody>
                <Problems issues={shown} pending={checking} />
                <Tabs
                  activeKey={tab}
                  onSelect={(_e, k) => {
                    setTab(k);
                  }}
                  aria-label="Rule views"
                  mountOnEnter
                >
                  <Tab eventKey="builder" title={<TabTitleText>Visual builder</TabTitleText>}>
                    <div className="pf-v6-u-pt-md">
                      <ConditionBuilder
                        condition={draft.rule_definition.condition}
                        issues={shown}
                        readOnly={readOnly}
                        onChange={(condition) => {
                          setDraft({ ...draft, rule_definition: { ...draft.rule_definition, condition } });
                        }}
                      />
                    </div>
                  </Tab>
                  <Tab eventKey="json" title={<TabTitleText>JSON</TabTitleText>}>
                    <div className="pf-v6-u-pt-md">
                      <JsonView
                        definition={draft.rule_definition}
                        issues={shown}
                        readOnly={readOnly}
                        onChange={(rule_definition) => {
                          setDraft({ ...draft, rule_definition });
                        }}
                      />
                    </div>
                  </Tab>
                  <Tab eventKey="yaml" title={<TabTitleText>Rule resource (YAML)</TabTitleText>}>
                    <div className="pf-v6-u-pt-md">
                      <ResourceTab yaml={validation.data?.resource_yaml ?? null} />
                    </div>
                  </Tab>
                </Tabs>
              </CardBody>
            </Card>
          </GridItem>
          <GridItem>
            <BacktestPanel
              definition={draft.rule_definition}
              ruleId={rule?.id}
              saved={savedVersion(rule)}
              invalid={
                validation.data === undefined || issues.some((i) => i.field.startsWith('rule_definition'))
              }
            />
          </GridItem>
          {!readOnly && (
            <GridItem>
              <SaveCard rule={rule} reason={reason} setReason={setReason} save={save} blocked={blocked} />
            </GridItem>
          )}
        </Grid>
      </PageSection>
    </>
  );
}

/** The stored version an edit starts from (none for a new rule). */
function savedVersion(rule: Rule | undefined): SavedVersion | undefined {
  return rule && { version: rule.version, definition: rule.rule_definition };
}

export default function RuleEditorPage() {
  const { ruleId } = useParams();
  const rule = useRule(ruleId);
  const title = ruleId ? (rule.data ? `Edit ${rule.data.name}` : 'Edit rule') : 'New rule';
  return (
    <>
      <PageHeader
        title={title}
        description="Build the condition in the visual builder or as JSON; the API checks it as you type. Backtest it before you save."
      />
      {ruleId && rule.isPending && (
        <PageSection>
          <Skeleton height="20rem" screenreaderText="Loading the rule" />
        </PageSection>
      )}
      {ruleId && rule.error && (
        <PageSection>
          <ErrorState
            error={rule.error}
            onRetry={() => void rule.refetch()}
            title="Could not load the rule"
          />
        </PageSection>
      )}
      {(!ruleId || rule.data) && <Editor key={rule.data?.version ?? 'new'} rule={rule.data} />}
    </>
  );
}
