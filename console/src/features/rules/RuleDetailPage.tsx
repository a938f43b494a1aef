// One rule: what it checks and how it acts, its hits over the last day, a shadow rule beside the
// live side over the same traffic (and its promotion to enforce), every version with who and why
// (view one, diff two, roll back), and the equivalent Rule resource. A rule synced from a
// Kubernetes Rule resource is read-only here: its resource in Git owns it.
import {
  Alert,
  Button,
  Card,
  CardBody,
  CardTitle,
  ClipboardCopy,
  ClipboardCopyVariant,
  CodeBlock,
  CodeBlockCode,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  FlexItem,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Gallery,
  Label,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  PageSection,
  Skeleton,
  Tab,
  Tabs,
  TabTitleText,
  TextInput,
  Tooltip,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ErrorState } from '../../components/ErrorState';
import { GuardedButton, useCan } from '../../components/Guarded';
import { PageHeader } from '../../components/PageHeader';
import { humanize, SeverityLabel } from '../../components/StateLabel';
import { Timestamp } from '../../components/Timestamp';
import { api, describeError } from '../../lib/api';
import { formatCount } from '../../lib/format';
import { keys } from '../../lib/query';
import { useUrlState } from '../../lib/url-state';
import { useResourceYaml, useRule, useShadow, useVersions } from './data';
import { lineDiff } from './diff';
import { EnabledLabel, ModeLabel } from './labels';
import { describe } from './model';
import { ruleSource } from './source';
import { Sparkline } from './Sparkline';
import type { Rule, RuleVersion, ShadowCompare } from './types';
import './rules.css';

const KUBE_REASON = 'Managed in Git through a Rule resource; change the resource instead.';

function ReasonModal({
  title,
  body,
  action,
  onClose,
  run,
}: {
  title: string;
  body: string;
  action: string;
  onClose: () => void;
  run: (reason: string) => Promise<unknown>;
}) {
  const [reason, setReason] = useState('');
  const m = useMutation({ mutationFn: () => run(reason.trim()) });
  return (
    <Modal isOpen variant="small" onClose={onClose} aria-labelledby="rule-modal-title">
      <ModalHeader title={title} labelId="rule-modal-title" />
      <ModalBody>
        <p className="pf-v6-u-mb-md">{body}</p>
        <Form
          id="rule-modal-form"
          onSubmit={(e) => {
            e.preventDefault();
            m.mutate();
          }}
        >
          <FormGroup label="Why" fieldId="rule-modal-reason">
            <TextInput
              id="rule-modal-reason"
              value={reason}
              onChange={(_e, v) => {
                setReason(v);
              }}
            />
          </FormGroup>
        </Form>
        {m.error && (
          <Alert isInline variant="danger" title="Not done" className="pf-v6-u-mt-sm">
            {describeError(m.error)}
          </Alert>
        )}
      </ModalBody>
      <ModalFooter>
        <Button type="submit" form="rule-modal-form" isLoading={m.isPending}>
          {action}
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}

function Overview({ rule }: { rule: Rule }) {
  const d = rule.rule_definition;
  return (
    <Gallery hasGutter minWidths={{ default: '100%', lg: '24rem' }}>
      <Card isCompact>
        <CardTitle component="h2">What it checks</CardTitle>
        <CardBody>
          <p className="payflow-rule-sentence">{describe(d.condition)}</p>
          <CodeBlock className="pf-v6-u-mt-md">
            <CodeBlockCode>{JSON.stringify(d, null, 2)}</CodeBlockCode>
          </CodeBlock>
        </CardBody>
      </Card>
      <Card isCompact>
        <CardTitle component="h2">Activity</CardTitle>
        <CardBody>
          <DescriptionList isCompact isHorizontal>
            <DescriptionListGroup>
              <DescriptionListTerm>Hits in 24 h</DescriptionListTerm>
              <DescriptionListDescription>
                <Flex alignItems={{ default: 'alignItemsCenter' }} gap={{ default: 'gapSm' }}>
                  <strong>{formatCount(rule.hits_24h ?? 0)}</strong>
                  <Sparkline
                    values={rule.hits_24h_series ?? []}
                    label={`Hits per hour over the last 24 hours`}
                  />
                </Flex>
              </DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Action</DescriptionListTerm>
              <DescriptionListDescription>{humanize(d.action)}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Version</DescriptionListTerm>
              <DescriptionListDescription>v{rule.version}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Updated</DescriptionListTerm>
              <DescriptionListDescription>
                <Timestamp value={rule.updated_at} />
              </DescriptionListDescription>
            </DescriptionListGroup>
            {rule.shadow_of && (
              <DescriptionListGroup>
                <DescriptionListTerm>Shadow of</DescriptionListTerm>
                <DescriptionListDescription>
                  <Link to={`/rules/${rule.shadow_of}`}>{rule.shadow_of}</Link>
                </DescriptionListDescription>
              </DescriptionListGroup>
            )}
          </DescriptionList>
        </CardBody>
      </Card>
    </Gallery>
  );
}

function Bars({ cmp }: { cmp: ShadowCompare }) {
  const max = Math.max(1, ...cmp.buckets.map((b) => Math.max(b.shadow, b.live)));
  const w = 100 / Math.max(1, cmp.buckets.length);
  return (
    <div className="payflow-shadow-chart">
      <svg
        viewBox="0 0 100 40"
        preserveAspectRatio="none"
        role="img"
        aria-label={`Hits per ${cmp.bucket}: shadow beside live`}
      >
        {cmp.buckets.map((b, i) => (
          <g key={b.start}>
            <rect
              className="payflow-shadow-chart__live"
              x={i * w + w * 0.1}
              width={w * 0.38}
              y={40 - (b.live / max) * 38}
              height={(b.live / max) * 38}
            />
            <rect
              className="payflow-shadow-chart__shadow"
              x={i * w + w * 0.52}
              width={w * 0.38}
              y={40 - (b.shadow / max) * 38}
              height={(b.shadow / max) * 38}
            />
          </g>
        ))}
      </svg>
      <Flex gap={{ default: 'gapMd' }} className="pf-v6-u-font-size-sm">
        <FlexItem>
          <span className="payflow-swatch payflow-swatch--live" /> Live
        </FlexItem>
        <FlexItem>
          <span className="payflow-swatch payflow-swatch--shadow" /> Shadow
        </FlexItem>
        <FlexItem className="pf-v6-u-text-color-subtle">
          per {cmp.bucket}, <Timestamp value={cmp.since} /> – now
        </FlexItem>
      </Flex>
    </div>
  );
}

function HitList({ title, hits }: { title: string; hits: ShadowCompare['only_shadow'] }) {
  return (
    <Table aria-label={title} variant="compact" role="table">
      <Thead>
        <Tr>
          <Th>Payment</Th>
          <Th>Matched</Th>
          <Th>What the rule saw</Th>
        </Tr>
      </Thead>
      <Tbody>
        {hits.length === 0 && (
          <Tr>
            <Td colSpan={3} className="pf-v6-u-text-color-subtle">
              None
            </Td>
          </Tr>
        )}
        {hits.map((h) => (
          <Tr key={h.payment_id}>
            <Td dataLabel="Payment">
              <Link to={`/payments/${h.payment_id}`} className="pf-v6-u-font-family-monospace">
                {h.payment_id}
              </Link>
            </Td>
            <Td dataLabel="Matched">
              <Timestamp value={h.matched_at} relative />
            </Td>
            <Td dataLabel="What the rule saw">{h.reasons.map(String).join('; ')}</Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

/** Why the comparison starts later than the window: a version of either rule changed what it evaluates. */
function SinceNote({ cmp }: { cmp: ShadowCompare }) {
  const v = cmp.since_version;
  if (!v) return null;
  const which =
    v.rule_id === cmp.rule_id ? (
      'this rule'
    ) : (
      <>
        the live rule <Link to={`/rules/${v.rule_id}`}>{cmp.live_rule?.name ?? v.rule_id}</Link>
      </>
    );
  return (
    <p className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle pf-v6-u-mb-sm" data-testid="shadow-since">
      Counted from <Timestamp value={cmp.since} />,{' '}
      {v.version === 1 ? (
        <>when {which} was created.</>
      ) : (
        <>
          when version {v.version} of {which} took effect: earlier hits came from another condition or mode.
        </>
      )}
    </p>
  );
}

function ShadowPanel({ rule }: { rule: Rule }) {
  const [hours, setHours] = useState(24);
  const q = useShadow(rule.id, hours, true);
  const cmp = q.data;
  return (
    <Card isCompact>
      <CardTitle component="h2">Shadow beside live</CardTitle>
      <CardBody>
        <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }} className="pf-v6-u-mb-md">
          <FlexItem>
            {cmp &&
              (cmp.live_rule ? (
                <>
                  Compared with the live rule{' '}
                  <Link to={`/rules/${cmp.live_rule.id}`}>{cmp.live_rule.name}</Link> (v
                  {cmp.live_rule.version}) over the same payments.
                </>
              ) : (
                'This rule shadows no particular rule: compared with every live (enforcing) rule over the same payments.'
              ))}
          </FlexItem>
          <FlexItem>
            <FormSelect
              aria-label="Comparison window"
              value={String(hours)}
              onChange={(_e, v) => {
                setHours(Number(v));
              }}
            >
              <FormSelectOption value="24" label="Last 24 hours" />
              <FormSelectOption value="168" label="Last 7 days" />
            </FormSelect>
          </FlexItem>
        </Flex>
        {q.isPending && <Skeleton height="8rem" screenreaderText="Loading the comparison" />}
        {q.error && <ErrorState error={q.error} onRetry={() => void q.refetch()} />}
        {cmp && (
          <>
            <DescriptionList
              isCompact
              columnModifier={{ default: '2Col', md: '3Col' }}
              className="pf-v6-u-mb-md"
            >
              {(
                [
                  ['Shadow hits', cmp.totals.shadow, 'shadow-hits'],
                  ['Live hits', cmp.totals.live, 'live-hits'],
                  ['Hit by both', cmp.totals.both, 'both-hits'],
                  ['Only shadow', cmp.totals.only_shadow, 'only-shadow'],
                  ['Only live', cmp.totals.only_live, 'only-live'],
                ] as const
              ).map(([term, n, id]) => (
                <DescriptionListGroup key={id}>
                  <DescriptionListTerm>{term}</DescriptionListTerm>
                  <DescriptionListDescription>
                    <strong className="payflow-big-number" data-testid={id}>
                      {formatCount(n)}
                    </strong>
                  </DescriptionListDescription>
                </DescriptionListGroup>
              ))}
            </DescriptionList>
            <SinceNote cmp={cmp} />
            {cmp.totals.shadow + cmp.totals.live === 0 ? (
              <p className="pf-v6-u-text-color-subtle">
                No hits on either side since <Timestamp value={cmp.since} />.
              </p>
            ) : (
              <Bars cmp={cmp} />
            )}
            <Gallery hasGutter minWidths={{ default: '100%', xl: '30rem' }} className="pf-v6-u-mt-md">
              <div>
                <h3 className="pf-v6-u-font-weight-bold pf-v6-u-mb-sm">Only the shadow rule hit</h3>
                <HitList title="Payments only the shadow rule hit" hits={cmp.only_shadow} />
              </div>
              <div>
                <h3 className="pf-v6-u-font-weight-bold pf-v6-u-mb-sm">Only live hit</h3>
                <HitList title="Payments only live rules hit" hits={cmp.only_live} />
              </div>
            </Gallery>
          </>
        )}
      </CardBody>
    </Card>
  );
}

function snapshot(v: RuleVersion): string {
  return JSON.stringify(
    {
      name: v.name,
      description: v.description,
      enabled: v.enabled,
      shadow_of: v.shadow_of,
      rule_definition: v.rule_definition,
    },
    null,
    2,
  );
}

function Diff({ a, b }: { a: RuleVersion; b: RuleVersion }) {
  const lines = lineDiff(snapshot(a), snapshot(b));
  return (
    <div
      className="payflow-diff"
      role="region"
      aria-label={`Changes from version ${String(a.version)} to ${String(b.version)}`}
    >
      <pre>
        {lines.map((l, i) => (
          <div key={i} className={`payflow-diff__line payflow-diff__line--${l.kind}`}>
            <span aria-hidden="true">{l.kind === 'added' ? '+ ' : l.kind === 'removed' ? '− ' : '  '}</span>
            {l.kind !== 'same' && (
              <span className="pf-v6-screen-reader">{l.kind === 'added' ? 'added: ' : 'removed: '}</span>
            )}
            {l.text}
          </div>
        ))}
      </pre>
    </div>
  );
}

function Versions({ rule }: { rule: Rule }) {
  const q = useVersions(rule.id);
  const url = useUrlState(['v', 'from', 'to']);
  const client = useQueryClient();
  const [rollback, setRollback] = useState<RuleVersion | undefined>(undefined);
  const list = q.data?.data ?? [];
  const viewed = list.find((v) => String(v.version) === url.values.v);
  const from = list.find((v) => String(v.version) === url.values.from) ?? list[1];
  const to = list.find((v) => String(v.version) === url.values.to) ?? list[0];
  const kube = rule.source === 'kubernetes';
  const options = list.map((v) => (
    <FormSelectOption key={v.version} value={String(v.version)} label={`v${String(v.version)}`} />
  ));
  return (
    <>
      <Card isCompact>
        <CardTitle component="h2">Versions</CardTitle>
        <CardBody>
          {q.isPending && <Skeleton height="8rem" screenreaderText="Loading versions" />}
          {q.error && <ErrorState error={q.error} onRetry={() => void q.refetch()} />}
          {list.length > 0 && (
            <Table aria-label="Rule versions" variant="compact" role="table">
              <Thead>
                <Tr>
                  <Th>Version</Th>
                  <Th>Change</Th>
                  <Th>Who</Th>
                  <Th>Why</Th>
                  <Th>When</Th>
                  <Th>Mode</Th>
                  <Th screenReaderText="Actions" />
                </Tr>
              </Thead>
              <Tbody>
                {list.map((v) => (
                  <Tr key={v.version} isRowSelected={viewed?.version === v.version}>
                    <Td dataLabel="Version" className="payflow-tabular">
                      v{v.version}
                      {v.version === rule.version && (
                        <Label isCompact color="blue" className="pf-v6-u-ml-sm">
                          current
                        </Label>
                      )}
                    </Td>
                    <Td dataLabel="Change">{humanize(v.change)}</Td>
                    <Td dataLabel="Who">{v.changed_by_email ?? v.changed_by ?? '—'}</Td>
                    <Td dataLabel="Why">
                      {v.reason ?? <span className="pf-v6-u-text-color-subtle">—</span>}
                    </Td>
                    <Td dataLabel="When">
                      <Timestamp value={v.created_at} />
                    </Td>
                    <Td dataLabel="Mode">
                      <ModeLabel mode={v.rule_definition.mode} compact />
                    </Td>
                    <Td dataLabel="Actions" isActionCell>
                      <Flex
                        gap={{ default: 'gapSm' }}
                        flexWrap={{ default: 'nowrap' }}
                        className="payflow-nowrap"
                      >
                        <Button
                          variant="link"
                          isInline
                          aria-label={`View version ${String(v.version)}`}
                          onClick={() => {
                            url.set({ v: String(v.version) });
                          }}
                        >
                          View
                        </Button>
                        {v.version !== rule.version && (
                          <GuardedButton
                            need="admin"
                            variant="link"
                            isInline
                            reason={kube ? KUBE_REASON : undefined}
                            aria-label={`Roll back to version ${String(v.version)}`}
                            onClick={() => {
                              setRollback(v);
                            }}
                          >
                            Roll back
                          </GuardedButton>
                        )}
                      </Flex>
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
          )}
        </CardBody>
      </Card>
      {viewed && (
        <Card isCompact className="pf-v6-u-mt-md">
          <CardTitle component="h2">Version {viewed.version}</CardTitle>
          <CardBody>
            <p className="payflow-rule-sentence">{describe(viewed.rule_definition.condition)}</p>
            <CodeBlock className="pf-v6-u-mt-sm">
              <CodeBlockCode>{snapshot(viewed)}</CodeBlockCode>
            </CodeBlock>
          </CardBody>
        </Card>
      )}
      {list.length > 1 && from && to && (
        <Card isCompact className="pf-v6-u-mt-md">
          <CardTitle component="h2">Compare versions</CardTitle>
          <CardBody>
            <Flex
              gap={{ default: 'gapSm' }}
              alignItems={{ default: 'alignItemsCenter' }}
              className="pf-v6-u-mb-sm"
            >
              <FlexItem>From</FlexItem>
              <FlexItem>
                <FormSelect
                  aria-label="Compare from version"
                  value={String(from.version)}
                  onChange={(_e, v) => {
                    url.set({ from: v });
                  }}
                >
                  {options}
                </FormSelect>
              </FlexItem>
              <FlexItem>to</FlexItem>
              <FlexItem>
                <FormSelect
                  aria-label="Compare to version"
                  value={String(to.version)}
                  onChange={(_e, v) => {
                    url.set({ to: v });
                  }}
                >
                  {options}
                </FormSelect>
              </FlexItem>
            </Flex>
            <Diff a={from} b={to} />
          </CardBody>
        </Card>
      )}
      {rollback && (
        <ReasonModal
          title={`Roll back to version ${String(rollback.version)}`}
          body={`Version ${String(rule.version + 1)} will hold what version ${String(rollback.version)} held (${describe(rollback.rule_definition.condition)}, ${rollback.rule_definition.mode}).`}
          action="Roll back"
          onClose={() => {
            setRollback(undefined);
          }}
          run={async (reason) => {
            await api.post(`/api/v1/rules/${rule.id}/rollback`, {
              version: rollback.version,
              ...(reason ? { reason } : {}),
            });
            await client.invalidateQueries({ queryKey: keys.rules });
            setRollback(undefined);
          }}
        />
      )}
    </>
  );
}

function ResourceYaml({ rule }: { rule: Rule }) {
  const q = useResourceYaml(rule.id);
  return (
    <Card isCompact>
      <CardTitle component="h2">Rule resource</CardTitle>
      <CardBody>
        <p className="pf-v6-u-mb-sm">
          {rule.source === 'kubernetes'
            ? 'The resource this rule is synced from, as the console reads it.'
            : 'The equivalent Kubernetes Rule: commit it to Git and apply it to manage this rule as code.'}
        </p>
        {q.isPending && <Skeleton height="8rem" screenreaderText="Loading the resource" />}
        {q.error && <ErrorState error={q.error} onRetry={() => void q.refetch()} />}
        {q.data && (
          <ClipboardCopy
            isCode
            isReadOnly
            isExpanded
            hoverTip="Copy"
            clickTip="Copied"
            variant={ClipboardCopyVariant.expansion}
            aria-label="Rule resource YAML"
          >
            {q.data.yaml}
          </ClipboardCopy>
        )}
      </CardBody>
    </Card>
  );
}

function Detail({ rule }: { rule: Rule }) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const url = useUrlState(['tab']);
  const [promote, setPromote] = useState(false);
  const canAdmin = useCan('admin');
  const kube = rule.source === 'kubernetes';
  const source = ruleSource(rule);
  const d = rule.rule_definition;
  const shadow = d.mode === 'shadow';
  const tab = url.values.tab || (shadow ? 'shadow' : 'overview');
  return (
    <>
      <PageHeader
        title={rule.name}
        description={
          <Flex gap={{ default: 'gapSm' }} alignItems={{ default: 'alignItemsCenter' }} component="span">
            <ModeLabel mode={d.mode} />
            <SeverityLabel severity={d.severity} />
            <EnabledLabel enabled={rule.enabled} />
            <Label variant="outline">v{rule.version}</Label>
            <Label variant="outline">{source.label}</Label>
            {rule.description && <span>{rule.description}</span>}
          </Flex>
        }
        actions={
          <Flex gap={{ default: 'gapSm' }}>
            {shadow && (
              <GuardedButton
                need="admin"
                reason={kube ? KUBE_REASON : undefined}
                onClick={() => {
                  setPromote(true);
                }}
              >
                Promote to enforce
              </GuardedButton>
            )}
            {kube || !canAdmin ? (
              <Tooltip
                content={kube ? KUBE_REASON : 'Only an admin can do this. Ask an admin to change your role.'}
              >
                <Button variant="secondary" isAriaDisabled>
                  Edit
                </Button>
              </Tooltip>
            ) : (
              <Link className="pf-v6-c-button pf-m-secondary" to={`/rules/${rule.id}/edit`}>
                Edit
              </Link>
            )}
          </Flex>
        }
      />
      {kube && (
        <PageSection>
          <Alert isInline variant="info" title={`Rule ${source.resource ?? rule.name} (Kubernetes)`}>
            {source.note}. Its Git repository owns it: change the resource there, and the controller syncs it
            here. <Link to={`/rules/${rule.id}/edit`}>Open it read-only in the editor</Link>
          </Alert>
        </PageSection>
      )}
      <PageSection>
        <Tabs
          data-tour-id="rule-tabs"
          activeKey={tab}
          onSelect={(_e, k) => {
            url.set({ tab: String(k) });
          }}
          aria-label="Rule"
          mountOnEnter
          unmountOnExit
        >
          <Tab eventKey="overview" title={<TabTitleText>Overview</TabTitleText>}>
            <div className="pf-v6-u-pt-md">
              <Overview rule={rule} />
            </div>
          </Tab>
          {shadow && (
            <Tab eventKey="shadow" title={<TabTitleText>Shadow compare</TabTitleText>}>
              <div className="pf-v6-u-pt-md">
                <ShadowPanel rule={rule} />
              </div>
            </Tab>
          )}
          <Tab eventKey="versions" title={<TabTitleText>Versions</TabTitleText>}>
            <div className="pf-v6-u-pt-md">
              <Versions rule={rule} />
            </div>
          </Tab>
          <Tab eventKey="resource" title={<TabTitleText>Rule resource</TabTitleText>}>
            <div className="pf-v6-u-pt-md">
              <ResourceYaml rule={rule} />
            </div>
          </Tab>
        </Tabs>
      </PageSection>
      {promote && (
        <ReasonModal
          title="Promote to enforce"
          body={
            rule.shadow_of
              ? 'The live rule this one shadows takes its definition and enforces it; this shadow rule is retired. Recorded in the audit log.'
              : 'This rule starts acting on matches. Recorded in the audit log.'
          }
          action="Promote"
          onClose={() => {
            setPromote(false);
          }}
          run={async (reason) => {
            const live = await api.post<Rule>(`/api/v1/rules/${rule.id}/promote`, reason ? { reason } : {}, {
              headers: { 'If-Match': `"${String(rule.version)}"` },
            });
            await client.invalidateQueries({ queryKey: keys.rules });
            setPromote(false);
            void navigate(`/rules/${live.id}?tab=versions`);
          }}
        />
      )}
    </>
  );
}

export default function RuleDetailPage() {
  const { ruleId = '' } = useParams();
  const q = useRule(ruleId);
  if (q.data) return <Detail rule={q.data} />;
  return (
    <>
      <PageHeader title="Rule" />
      <PageSection>
        {q.error ? (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} title="Could not load the rule" />
        ) : (
          <Skeleton height="16rem" screenreaderText="Loading the rule" />
        )}
      </PageSection>
    </>
  );
}
