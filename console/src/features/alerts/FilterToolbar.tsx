// The queue's filter toolbar: search, Severity, Status, Rule and Assignee (each a menu toggle with
// that accessible name), the chips of what is on, and "Clear all filters". All of it lives in the URL.
import {
  Badge,
  Divider,
  MenuToggle,
  SearchInput,
  Select,
  SelectList,
  SelectOption,
  ToolbarFilter,
  ToolbarGroup,
  ToolbarItem,
  ToolbarToggleGroup,
  type MenuToggleElement,
} from '@patternfly/react-core';
import FilterIcon from '@patternfly/react-icons/dist/esm/icons/filter-icon';
import { useEffect, useState, type ReactNode, type Ref } from 'react';
import { humanize } from '../../components/StateLabel';
import { statusParam, type AlertFilter, type AssigneeFilter } from './filters';
import { useDirectory, useRuleOptions } from './queries';
import { ALERT_STATUSES, SEVERITIES, type AlertStatus, type Severity } from './types';

function FilterSelect({
  label,
  count,
  selected,
  multi,
  onSelect,
  children,
}: {
  label: string;
  /** Shown as a badge on the toggle (how many values are on). */
  count?: number;
  selected: string | string[];
  multi?: boolean;
  onSelect: (value: string) => void;
  children: ReactNode;
}) {
  const [isOpen, setOpen] = useState(false);
  const toggle = (ref: Ref<MenuToggleElement>) => (
    <MenuToggle
      ref={ref}
      isExpanded={isOpen}
      onClick={() => {
        setOpen(!isOpen);
      }}
      badge={count ? <Badge isRead>{count}</Badge> : undefined}
    >
      {label}
    </MenuToggle>
  );
  return (
    <Select
      role={multi ? 'menu' : undefined}
      isOpen={isOpen}
      selected={selected}
      onSelect={(_e, value) => {
        if (typeof value === 'string') onSelect(value);
        if (!multi) setOpen(false);
      }}
      onOpenChange={setOpen}
      toggle={toggle}
      shouldFocusToggleOnSelect={!multi}
    >
      <SelectList aria-label={label}>{children}</SelectList>
    </Select>
  );
}

function toggled<T>(list: readonly T[], value: T): T[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

/** The search box: applied on Enter or after a pause, so typing does not refetch per key. */
function Search({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    // The URL changed under us (cleared filters, back button): show what it says.
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
      id="alerts-search"
      aria-label="Search alerts"
      placeholder="Search id, payment, title"
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

/** No chips for the default (the working queue); "Any" for every status. */
function statusLabels(statuses: readonly AlertStatus[]): string[] {
  if (statusParam(statuses) === undefined) return [];
  return statuses.length === ALERT_STATUSES.length ? ['Any'] : statuses.map(humanize);
}

function assigneeLabel(a: AssigneeFilter, nameOf: (id: string) => string): string {
  if (a.kind === 'me') return 'Me';
  if (a.kind === 'unassigned') return 'Unassigned';
  if (a.kind === 'person') return nameOf(a.id);
  return 'Anyone';
}

export function FilterToolbar({
  filter,
  meId,
  onChange,
}: {
  filter: AlertFilter;
  meId: string;
  /** Changes the filter as it is when the change applies (two quick clicks both count). */
  onChange: (update: (latest: AlertFilter) => AlertFilter) => void;
}) {
  const rules = useRuleOptions();
  const directory = useDirectory();
  const people = (directory.data?.data ?? []).filter((u) => u.role !== 'viewer');
  const ruleName = (id: string) => rules.data?.data.find((r) => r.id === id)?.name ?? id;
  const personName = (id: string) =>
    id === meId ? 'Me' : (directory.data?.data.find((u) => u.id === id)?.name ?? id);
  const set = (patch: Partial<AlertFilter> | ((latest: AlertFilter) => Partial<AlertFilter>)) => {
    onChange((latest) => ({ ...latest, ...(typeof patch === 'function' ? patch(latest) : patch) }));
  };
  const assigneeValue = filter.assignee.kind === 'person' ? filter.assignee.id : filter.assignee.kind;

  return (
    <ToolbarToggleGroup toggleIcon={<FilterIcon />} breakpoint="lg">
      <ToolbarItem>
        <Search
          value={filter.q}
          onChange={(q) => {
            set({ q });
          }}
        />
      </ToolbarItem>
      <ToolbarGroup variant="filter-group">
        <ToolbarFilter
          categoryName="Severity"
          labels={filter.severities.map(humanize)}
          deleteLabel={(_c, label) => {
            set((f) => ({ severities: f.severities.filter((s) => humanize(s) !== label) }));
          }}
          deleteLabelGroup={() => {
            set({ severities: [] });
          }}
        >
          <FilterSelect
            label="Severity"
            multi
            count={filter.severities.length}
            selected={filter.severities}
            onSelect={(v) => {
              set((f) => ({ severities: toggled(f.severities, v as Severity) }));
            }}
          >
            {SEVERITIES.map((s) => (
              <SelectOption key={s} value={s} hasCheckbox isSelected={filter.severities.includes(s)}>
                {humanize(s)}
              </SelectOption>
            ))}
          </FilterSelect>
        </ToolbarFilter>
        <ToolbarFilter
          categoryName="Status"
          labels={statusLabels(filter.statuses)}
          deleteLabel={(_c, label) => {
            set((f) => ({
              statuses:
                label === 'Any' ? ['open', 'acknowledged'] : f.statuses.filter((s) => humanize(s) !== label),
            }));
          }}
          deleteLabelGroup={() => {
            set({ statuses: ['open', 'acknowledged'] });
          }}
        >
          <FilterSelect
            label="Status"
            multi
            count={filter.statuses.length}
            selected={filter.statuses}
            onSelect={(v) => {
              set((f) => ({ statuses: toggled(f.statuses, v as AlertStatus) }));
            }}
          >
            {ALERT_STATUSES.map((s) => (
              <SelectOption key={s} value={s} hasCheckbox isSelected={filter.statuses.includes(s)}>
                {humanize(s)}
              </SelectOption>
            ))}
          </FilterSelect>
        </ToolbarFilter>
        <ToolbarFilter
          categoryName="Rule"
          labels={filter.ruleId ? [ruleName(filter.ruleId)] : []}
          deleteLabel={() => {
            set({ ruleId: undefined });
          }}
        >
          <FilterSelect
            label="Rule"
            count={filter.ruleId ? 1 : 0}
            selected={filter.ruleId ?? ''}
            onSelect={(v) => {
              set({ ruleId: v || undefined });
            }}
          >
            <SelectOption value="">Any rule</SelectOption>
            {rules.error && (
              <SelectOption value="__error" isDisabled>
                Rules cannot be listed now
              </SelectOption>
            )}
            {(rules.data?.data ?? []).map((r) => (
              <SelectOption key={r.id} value={r.id} description={`Version ${String(r.version)}`}>
                {r.name}
              </SelectOption>
            ))}
          </FilterSelect>
        </ToolbarFilter>
        <ToolbarFilter
          categoryName="Assignee"
          labels={filter.assignee.kind === 'anyone' ? [] : [assigneeLabel(filter.assignee, personName)]}
          deleteLabel={() => {
            set({ assignee: { kind: 'anyone' } });
          }}
        >
          <FilterSelect
            label="Assignee"
            count={filter.assignee.kind === 'anyone' ? 0 : 1}
            selected={assigneeValue}
            onSelect={(v) => {
              set({
                assignee:
                  v === 'anyone' || v === 'me' || v === 'unassigned'
                    ? { kind: v }
                    : { kind: 'person', id: v },
              });
            }}
          >
            <SelectOption value="anyone">Anyone</SelectOption>
            <SelectOption value="me">Me</SelectOption>
            <SelectOption value="unassigned">Unassigned</SelectOption>
            <Divider component="li" />
            {directory.error && (
              <SelectOption value="__error" isDisabled>
                The people directory is not available
              </SelectOption>
            )}
            {people
              .filter((u) => u.id !== meId)
              .map((u) => (
                <SelectOption key={u.id} value={u.id} description={u.email}>
                  {u.name}
                </SelectOption>
              ))}
          </FilterSelect>
        </ToolbarFilter>
      </ToolbarGroup>
    </ToolbarToggleGroup>
  );
}
