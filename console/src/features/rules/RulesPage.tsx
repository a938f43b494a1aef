// Rules, read-only for now: what each rule checks, how it acts (mode, action, severity), where it
// is managed (API or a Kubernetes Rule resource) and its definition as JSON. The rule builder
// comes later; the header already shows where "Create rule" will be.
import {
  CodeBlock,
  CodeBlockCode,
  FormSelect,
  FormSelectOption,
  Label,
  PageSection,
  Pagination,
  SearchInput,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import BanIcon from '@patternfly/react-icons/dist/esm/icons/ban-icon';
import EyeIcon from '@patternfly/react-icons/dist/esm/icons/eye-icon';
import ShieldAltIcon from '@patternfly/react-icons/dist/esm/icons/shield-alt-icon';
import { ExpandableRowContent, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { GuardedButton } from '../../components/Guarded';
import { PageHeader } from '../../components/PageHeader';
import { humanize, SeverityLabel } from '../../components/StateLabel';
import { TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { api, type Page } from '../../lib/api';
import { formatCount } from '../../lib/format';
import { useCompact } from '../../lib/preferences';
import { keys } from '../../lib/query';
import { useUrlState } from '../../lib/url-state';
import { ruleSource } from './source';
import { RULE_MODES, RULE_SEVERITIES, type Rule } from './types';

const FILTERS = ['q', 'mode', 'severity', 'source', 'enabled', 'page', 'per_page'] as const;
const COLUMNS = 9;

function ModeLabel({ mode, compact }: { mode: string; compact: boolean }) {
  return mode === 'shadow' ? (
    <Label color="purple" icon={<EyeIcon />} isCompact={compact}>
      Shadow
    </Label>
  ) : (
    <Label color="blue" icon={<ShieldAltIcon />} isCompact={compact}>
      Enforce
    </Label>
  );
}

function EnabledLabel({ enabled, compact }: { enabled: boolean; compact: boolean }) {
  return enabled ? (
    <Label status="success" icon={<CheckCircleIcon />} isCompact={compact}>
      Enabled
    </Label>
  ) : (
    <Label color="grey" icon={<BanIcon />} isCompact={compact}>
      Disabled
    </Label>
  );
}

export function SourceCell({ rule }: { rule: Rule }) {
  const s = ruleSource(rule);
  return (
    <div>
      <div>{s.label}</div>
      {s.resource && (
        <div className="pf-v6-u-font-family-monospace pf-v6-u-font-size-sm">Rule {s.resource}</div>
      )}
      {s.note && <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">{s.note}</div>}
    </div>
  );
}

function SelectFilter({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: readonly (readonly [string, string])[];
  onChange: (v: string) => void;
}) {
  return (
    <FormSelect
      aria-label={label}
      value={value}
      onChange={(_e, v) => {
        onChange(v);
      }}
    >
      <FormSelectOption value="" label={`${label}: any`} />
      {options.map(([v, text]) => (
        <FormSelectOption key={v} value={v} label={`${label}: ${text}`} />
      ))}
    </FormSelect>
  );
}

function Search({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    setText(value);
  }
  useEffect(() => {
    if (text.trim() === value) return undefined;
    const t = setTimeout(() => {
      onChange(text.trim());
    }, 400);
    return () => {
      clearTimeout(t);
    };
  }, [text, value, onChange]);
  return (
    <SearchInput
      aria-label="Search rules"
      placeholder="Search name, description or id"
      value={text}
      onChange={(_e, v) => {
        setText(v);
      }}
      onSearch={(_e, v) => {
        onChange(v.trim());
      }}
      onClear={() => {
        setText('');
        onChange('');
      }}
    />
  );
}

const as = (list: readonly string[]) => list.map((v) => [v, humanize(v)] as const);

function RuleRows({ rule, index, compact }: { rule: Rule; index: number; compact: boolean }) {
  const [open, setOpen] = useState(false);
  const d = rule.rule_definition;
  return (
    <Tbody isExpanded={open}>
      <Tr>
        <Td
          expand={{
            rowIndex: index,
            isExpanded: open,
            onToggle: () => {
              setOpen(!open);
            },
            expandId: `rule-${rule.id}`,
          }}
        />
        <Td dataLabel="Rule">
          <div className="pf-v6-u-font-weight-bold">{rule.name}</div>
          {rule.description && (
            <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">{rule.description}</div>
          )}
        </Td>
        <Td dataLabel="Mode">
          <div>
            <ModeLabel mode={d.mode} compact={compact} />
          </div>
        </Td>
        <Td dataLabel="Action">{humanize(d.action)}</Td>
        <Td dataLabel="Severity">
          <div>
            <SeverityLabel severity={d.severity} compact={compact} />
          </div>
        </Td>
        <Td dataLabel="Status">
          <div>
            <EnabledLabel enabled={rule.enabled} compact={compact} />
          </div>
        </Td>
        <Td dataLabel="Version" className="payflow-tabular">
          v{rule.version}
          {rule.hits_24h !== undefined && (
            <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle" style={{ whiteSpace: 'nowrap' }}>
              {formatCount(rule.hits_24h)} hits in 24 h
            </div>
          )}
        </Td>
        <Td dataLabel="Source">
          <SourceCell rule={rule} />
        </Td>
        <Td dataLabel="Updated">
          <Timestamp value={rule.updated_at} relative />
        </Td>
      </Tr>
      <Tr isExpanded={open}>
        <Td colSpan={COLUMNS}>
          <ExpandableRowContent>
            {open && (
              <CodeBlock>
                <CodeBlockCode>{JSON.stringify(d, null, 2)}</CodeBlockCode>
              </CodeBlock>
            )}
          </ExpandableRowContent>
        </Td>
      </Tr>
    </Tbody>
  );
}

export default function RulesPage() {
  const compact = useCompact();
  const url = useUrlState(FILTERS);
  const { q, mode, severity, source, enabled } = url.values;
  const perPage = Number(url.values.per_page) || 50;
  const page = Math.max(1, Number(url.values.page) || 1);
  const filter = { q, mode, severity, source, enabled };
  const query = useQuery({
    queryKey: [...keys.rules, 'list', filter, page, perPage],
    queryFn: ({ signal }) =>
      api.get<Page<Rule>>(
        '/api/v1/rules',
        { ...filter, limit: perPage, offset: (page - 1) * perPage, sort: 'name' },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
  const rows = query.data?.data ?? [];
  const ready = !query.isPending && !query.error && rows.length > 0;
  const filtered = Boolean(q || mode || severity || source || enabled);
  const setFilter = (patch: Partial<Record<(typeof FILTERS)[number], string>>) => {
    url.set({ ...patch, page: undefined });
  };

  return (
    <>
      <PageHeader
        title="Rules"
        description="Fraud and risk rules the workers evaluate on every payment: what they check, how they act and where they are managed."
        actions={
          <GuardedButton
            need="operator"
            reason="The rule builder is coming soon; until then rules are created through the API or a Kubernetes Rule resource."
          >
            Create rule
          </GuardedButton>
        }
      />
      <PageSection>
        <Toolbar clearAllFilters={url.clear}>
          <ToolbarContent>
            <ToolbarItem>
              <Search
                value={q}
                onChange={(v) => {
                  setFilter({ q: v });
                }}
              />
            </ToolbarItem>
            <ToolbarItem>
              <SelectFilter
                label="Mode"
                value={mode}
                options={as(RULE_MODES)}
                onChange={(v) => {
                  setFilter({ mode: v });
                }}
              />
            </ToolbarItem>
            <ToolbarItem>
              <SelectFilter
                label="Severity"
                value={severity}
                options={as(RULE_SEVERITIES)}
                onChange={(v) => {
                  setFilter({ severity: v });
                }}
              />
            </ToolbarItem>
            <ToolbarItem>
              <SelectFilter
                label="Source"
                value={source}
                options={[
                  ['api', 'API'],
                  ['kubernetes', 'Kubernetes'],
                ]}
                onChange={(v) => {
                  setFilter({ source: v });
                }}
              />
            </ToolbarItem>
            <ToolbarItem>
              <SelectFilter
                label="Status"
                value={enabled}
                options={[
                  ['true', 'Enabled'],
                  ['false', 'Disabled'],
                ]}
                onChange={(v) => {
                  setFilter({ enabled: v });
                }}
              />
            </ToolbarItem>
            <ToolbarItem variant="pagination" align={{ default: 'alignEnd' }}>
              <Pagination
                isCompact
                itemCount={query.data?.pagination.total ?? 0}
                perPage={perPage}
                page={page}
                perPageOptions={[20, 50, 100, 200].map((n) => ({ title: String(n), value: n }))}
                onSetPage={(_e, p) => {
                  url.set({ page: p === 1 ? undefined : String(p) });
                }}
                onPerPageSelect={(_e, n) => {
                  url.set({ per_page: n === 50 ? undefined : String(n), page: undefined });
                }}
                titles={{ paginationAriaLabel: 'Rules pages' }}
              />
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        <Table aria-label="Rules" variant={compact ? 'compact' : undefined}>
          <Thead>
            <Tr>
              <Th screenReaderText="Show definition" />
              <Th>Rule</Th>
              <Th>Mode</Th>
              <Th>Action</Th>
              <Th>Severity</Th>
              <Th>Status</Th>
              <Th>Version</Th>
              <Th>Source</Th>
              <Th>Updated</Th>
            </Tr>
          </Thead>
          {ready ? (
            rows.map((rule, i) => <RuleRows key={rule.id} rule={rule} index={i} compact={compact} />)
          ) : (
            <Tbody>
              <TableBodyState
                columns={COLUMNS}
                isLoading={query.isPending}
                error={query.error}
                isEmpty={rows.length === 0}
                filtered={filtered}
                onRetry={() => void query.refetch()}
                onClear={url.clear}
                emptyTitle="No rules yet"
                emptyBody="Rules created through the API or synced from Kubernetes Rule resources appear here."
              >
                {null}
              </TableBodyState>
            </Tbody>
          )}
        </Table>
      </PageSection>
    </>
  );
}
