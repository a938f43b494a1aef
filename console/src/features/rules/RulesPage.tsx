// Rules: what each rule checks, how it acts (mode, action, severity), whether it is enabled, its
// hits over the last day (with a sparkline per hour), its version and where it is managed (the
// API, or a Kubernetes Rule resource that Git owns). A rule opens its page; admins create rules in
// the editor.
import {
  Button,
  FormSelect,
  FormSelectOption,
  PageSection,
  Pagination,
  SearchInput,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
  Tooltip,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useCan } from '../../components/Guarded';
import { PageHeader } from '../../components/PageHeader';
import { humanize, SeverityLabel } from '../../components/StateLabel';
import { TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { api, type Page } from '../../lib/api';
import { formatCount } from '../../lib/format';
import { useCompact } from '../../lib/preferences';
import { keys } from '../../lib/query';
import { useUrlState } from '../../lib/url-state';
import { EnabledLabel, ModeLabel } from './labels';
import { ruleSource } from './source';
import { Sparkline } from './Sparkline';
import { RULE_MODES, RULE_SEVERITIES, type Rule } from './types';
import './rules.css';

const FILTERS = ['q', 'mode', 'severity', 'source', 'enabled', 'page', 'per_page'] as const;
const COLUMNS = 8;

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

function RuleRow({ rule, compact }: { rule: Rule; compact: boolean }) {
  const d = rule.rule_definition;
  const series = rule.hits_24h_series ?? [];
  return (
    <Tr>
      <Td dataLabel="Rule">
        <Link to={`/rules/${rule.id}`} className="pf-v6-u-font-weight-bold">
          {rule.name}
        </Link>
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
      <Td dataLabel="Hits in 24 h">
        <div className="payflow-rule-hits">
          <span className="payflow-tabular">{formatCount(rule.hits_24h ?? 0)}</span>
          {series.length > 0 && (
            <Sparkline values={series} label={`${rule.name}: hits per hour over the last 24 hours`} />
          )}
        </div>
      </Td>
      <Td dataLabel="Version" className="payflow-tabular">
        v{rule.version}
        <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle" style={{ whiteSpace: 'nowrap' }}>
          <Timestamp value={rule.updated_at} relative />
        </div>
      </Td>
      <Td dataLabel="Source">
        <SourceCell rule={rule} />
      </Td>
    </Tr>
  );
}

function CreateRule() {
  const can = useCan('admin');
  if (can)
    return (
      <Link className="pf-v6-c-button pf-m-primary" to="/rules/new">
        Create rule
      </Link>
    );
  return (
    <Tooltip content="Only an admin can do this. Ask an admin to change your role.">
      <Button isAriaDisabled>Create rule</Button>
    </Tooltip>
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
        actions={<CreateRule />}
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
        <Table aria-label="Rules" role="table" variant={compact ? 'compact' : undefined}>
          <Thead>
            <Tr>
              {/* The short columns take their content's width; the rule and its source share the rest. */}
              <Th>Rule</Th>
              <Th modifier="fitContent">Mode</Th>
              <Th modifier="fitContent">Action</Th>
              <Th modifier="fitContent">Severity</Th>
              <Th modifier="fitContent">Status</Th>
              <Th modifier="fitContent">Hits in 24 h</Th>
              <Th modifier="fitContent">Version</Th>
              <Th modifier="wrap">Source</Th>
            </Tr>
          </Thead>
          {ready ? (
            <Tbody>
              {rows.map((rule) => (
                <RuleRow key={rule.id} rule={rule} compact={compact} />
              ))}
            </Tbody>
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
