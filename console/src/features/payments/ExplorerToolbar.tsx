// The explorer's filter toolbar (OpenShift's list-page filter, PatternFly's toolbar with filter
// labels): every control writes the URL, every active filter is a removable label, and a
// problem with a value shows under its field.
import {
  FormSelect,
  FormSelectOption,
  InputGroup,
  InputGroupItem,
  InputGroupText,
  TextInput,
  Toolbar,
  ToolbarContent,
  ToolbarFilter,
  ToolbarGroup,
  ToolbarItem,
  ToolbarToggleGroup,
  type ToolbarLabel,
} from '@patternfly/react-core';
import FilterIcon from '@patternfly/react-icons/dist/esm/icons/filter-icon';
import type { ReactNode } from 'react';
import { humanize } from '../../components/StateLabel';
import { formatTime, getDisplayTimeZone } from '../../lib/format';
import { listParam } from '../../lib/url-state';
import { DraftSearch, DraftText, Field } from './inputs';
import { isoToLocalInput, localInputToIso, type FilterKey, type Issues, type UrlValues } from './filters';
import { StateSelect } from './StateSelect';

export const CURRENCIES = [
  'USD',
  'EUR',
  'GBP',
  'JPY',
  'CHF',
  'CAD',
  'AUD',
  'SEK',
  'BRL',
  'INR',
  'KWD',
  'BHD',
];

type SetFilter = (patch: Partial<Record<FilterKey, string | undefined>>) => void;

/**
 * The chip of a one-value filter. Its key stays the same when the value changes, so the chip is
 * updated in place: a new PatternFly Label measures its text on mount, forcing a layout of the
 * page in the middle of the filter change's commit.
 */
function one(value: string, text = value): ToolbarLabel[] {
  return value ? [{ key: 'value', node: text }] : [];
}

function TimeInput({
  name,
  label,
  value,
  set,
  error,
}: {
  name: 'created_from' | 'created_to';
  label: string;
  value: string;
  set: SetFilter;
  error?: string;
}) {
  const tz = getDisplayTimeZone();
  return (
    <TextInput
      type="datetime-local"
      aria-label={label}
      value={value ? isoToLocalInput(value, tz) : ''}
      validated={error ? 'error' : 'default'}
      aria-describedby={error ? `payments-${name}-error` : undefined}
      onChange={(_e, v) => {
        const iso = localInputToIso(v, tz);
        if (iso || v === '') set({ [name]: iso });
      }}
    />
  );
}

function Category({
  name,
  labels,
  onDelete,
  children,
}: {
  name: string;
  labels: ToolbarLabel[];
  onDelete: (key: string | undefined) => void;
  children: ReactNode;
}) {
  return (
    <ToolbarFilter
      categoryName={name}
      labels={labels}
      deleteLabel={(_c, l) => {
        onDelete(typeof l === 'string' ? l : l.key);
      }}
      deleteLabelGroup={() => {
        onDelete(undefined);
      }}
    >
      {children}
    </ToolbarFilter>
  );
}

function range(lo: string, hi: string, fmt: (v: string) => string): ToolbarLabel[] {
  const out: ToolbarLabel[] = [];
  if (lo) out.push({ key: 'min', node: `≥ ${fmt(lo)}` });
  if (hi) out.push({ key: 'max', node: `≤ ${fmt(hi)}` });
  return out;
}

function AmountFilter({ v, set, issues }: { v: UrlValues; set: SetFilter; issues: Issues }) {
  return (
    <Category
      name="Amount"
      labels={range(v.amount_min, v.amount_max, (a) => `${a}${v.currency ? ` ${v.currency}` : ''}`)}
      onDelete={(k) => {
        set({
          amount_min: k === 'max' ? v.amount_min : undefined,
          amount_max: k === 'min' ? v.amount_max : undefined,
        });
      }}
    >
      <div className="payflow-filter-pair">
        <DraftText
          id="payments-amount_min"
          label="Minimum amount"
          placeholder="Min amount"
          inputMode="decimal"
          width="8.5rem"
          value={v.amount_min}
          error={issues.amount_min}
          onCommit={(x) => {
            set({ amount_min: x });
          }}
        />
        <span aria-hidden="true" className="payflow-filter-dash">
          –
        </span>
        <DraftText
          id="payments-amount_max"
          label="Maximum amount"
          placeholder="Max amount"
          inputMode="decimal"
          width="8.5rem"
          value={v.amount_max}
          error={issues.amount_max}
          onCommit={(x) => {
            set({ amount_max: x });
          }}
        />
      </div>
    </Category>
  );
}

function CreatedFilter({ v, set, issues }: { v: UrlValues; set: SetFilter; issues: Issues }) {
  return (
    <Category
      name="Created"
      labels={range(v.created_from, v.created_to, (t) => formatTime(t))}
      onDelete={(k) => {
        set({
          created_from: k === 'max' ? v.created_from : undefined,
          created_to: k === 'min' ? v.created_to : undefined,
        });
      }}
    >
      <InputGroup className="payflow-filter-pair">
        <InputGroupText aria-hidden="true">From</InputGroupText>
        <InputGroupItem>
          <Field id="payments-created_from" error={issues.created_from}>
            <TimeInput
              name="created_from"
              label="Created from"
              value={v.created_from}
              set={set}
              error={issues.created_from}
            />
          </Field>
        </InputGroupItem>
        <InputGroupText aria-hidden="true">to</InputGroupText>
        <InputGroupItem>
          <Field id="payments-created_to" error={issues.created_to}>
            <TimeInput
              name="created_to"
              label="Created to"
              value={v.created_to}
              set={set}
              error={issues.created_to}
            />
          </Field>
        </InputGroupItem>
      </InputGroup>
    </Category>
  );
}

function CurrencyFilter({ v, set, issues }: { v: UrlValues; set: SetFilter; issues: Issues }) {
  const options = v.currency && !CURRENCIES.includes(v.currency) ? [v.currency, ...CURRENCIES] : CURRENCIES;
  return (
    <Category
      name="Currency"
      labels={one(v.currency)}
      onDelete={() => {
        set({ currency: undefined });
      }}
    >
      <Field id="payments-currency" error={issues.currency}>
        <FormSelect
          aria-label="Currency"
          value={v.currency}
          validated={issues.currency ? 'error' : 'default'}
          onChange={(_e, x) => {
            set({ currency: x });
          }}
          style={{ width: '9.5rem' }}
        >
          <FormSelectOption value="" label="Any currency" />
          {options.map((c) => (
            <FormSelectOption key={c} value={c} label={c} />
          ))}
        </FormSelect>
      </Field>
    </Category>
  );
}

function TextFilters({ v, set, issues }: { v: UrlValues; set: SetFilter; issues: Issues }) {
  return (
    <>
      <Category
        name="Merchant"
        labels={one(v.merchant_id)}
        onDelete={() => {
          set({ merchant_id: undefined });
        }}
      >
        <DraftText
          id="payments-merchant_id"
          label="Merchant"
          placeholder="Merchant id"
          width="11rem"
          value={v.merchant_id}
          error={issues.merchant_id}
          onCommit={(x) => {
            set({ merchant_id: x });
          }}
        />
      </Category>
      <Category
        name="Payer"
        labels={one(v.payer_id)}
        onDelete={() => {
          set({ payer_id: undefined });
        }}
      >
        <DraftText
          id="payments-payer_id"
          label="Payer"
          placeholder="Payer id"
          width="9rem"
          value={v.payer_id}
          error={issues.payer_id}
          onCommit={(x) => {
            set({ payer_id: x });
          }}
        />
      </Category>
    </>
  );
}

export function ExplorerToolbar({
  values: v,
  issues,
  set,
  onClearAll,
  actions,
  pager,
}: {
  values: UrlValues;
  issues: Issues;
  set: SetFilter;
  /** Undefined hides the toolbar's "Clear all filters" (the empty state offers it instead). */
  onClearAll: (() => void) | undefined;
  actions: ReactNode;
  pager: ReactNode;
}) {
  const states = listParam.read(v.state);
  return (
    <Toolbar
      data-tour-id="payments-filters"
      clearAllFilters={onClearAll}
      clearFiltersButtonText="Clear all filters"
      // With no rows the empty state offers "Clear all filters"; one such button on the page.
      customLabelGroupContent={onClearAll ? undefined : <span />}
      collapseListedFiltersBreakpoint="xl"
      className="payflow-explorer-toolbar"
    >
      <ToolbarContent rowWrap={{ default: 'wrap' }}>
        <ToolbarToggleGroup toggleIcon={<FilterIcon />} breakpoint="xl" className="payflow-filter-group">
          <Category
            name="Payment id"
            labels={one(v.q)}
            onDelete={() => {
              set({ q: undefined });
            }}
          >
            <DraftSearch
              label="Search payment id"
              value={v.q}
              error={issues.q}
              onCommit={(x) => {
                set({ q: x });
              }}
            />
          </Category>
          <Category
            name="State"
            labels={states.map((s) => ({ key: s, node: humanize(s) }))}
            onDelete={(k) => {
              set({ state: listParam.write(k ? states.filter((s) => s !== k) : []) });
            }}
          >
            <Field id="payments-state" error={issues.state}>
              <StateSelect
                selected={states}
                onChange={(next) => {
                  set({ state: listParam.write(next) });
                }}
              />
            </Field>
          </Category>
          <CurrencyFilter v={v} set={set} issues={issues} />
          <TextFilters v={v} set={set} issues={issues} />
          <AmountFilter v={v} set={set} issues={issues} />
          <CreatedFilter v={v} set={set} issues={issues} />
        </ToolbarToggleGroup>
        <ToolbarGroup variant="action-group-plain" className="payflow-explorer-actions">
          {actions}
        </ToolbarGroup>
        <ToolbarItem variant="pagination" align={{ default: 'alignEnd' }}>
          {pager}
        </ToolbarItem>
      </ToolbarContent>
    </Toolbar>
  );
}
