// The visual builder: the whole rule language as nested blocks a person edits without JSON —
// groups (all / any), not, comparisons on every payment field and metadata key (with list
// membership), and windowed count / sum / distinct per payer, merchant or card fingerprint. Each
// control carries its API path; the validator's issues for that path are shown under it.
import {
  Button,
  Flex,
  FlexItem,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  TextInput,
} from '@patternfly/react-core';
import PlusCircleIcon from '@patternfly/react-icons/dist/esm/icons/plus-circle-icon';
import TrashIcon from '@patternfly/react-icons/dist/esm/icons/trash-icon';
import type { ReactNode } from 'react';
import {
  AGGREGATE_OPS,
  AGGREGATES,
  BASE_FIELDS,
  childPath,
  defaultValue,
  DISTINCT_FIELDS,
  GROUP_BY,
  isList,
  issueAt,
  kindOf,
  listText,
  newAggregate,
  newComparison,
  OP_LABELS,
  opsFor,
  parseList,
  parseScalar,
  splitWindow,
  UNITS,
  valueIssue,
  type Aggregate,
  type Comparison,
  type Expr,
  type Issue,
  type Scalar,
} from './model';

interface NodeProps {
  value: unknown;
  path: string;
  /** A person's name for the node: "Condition 1.2". */
  label: string;
  issues: readonly Issue[];
  readOnly: boolean;
  onChange: (next: unknown) => void;
  onRemove?: () => void;
}

function Problem({ message, id }: { message: string | undefined; id?: string }) {
  if (!message) return null;
  return (
    <HelperText id={id} className="payflow-rule-problem">
      <HelperTextItem variant="error">{message}</HelperTextItem>
    </HelperText>
  );
}

function Select({
  label,
  value,
  options,
  onChange,
  error,
  readOnly,
  width = '11rem',
}: {
  label: string;
  value: string;
  options: readonly (readonly [string, string])[];
  onChange: (v: string) => void;
  error?: string | undefined;
  readOnly: boolean;
  width?: string;
}) {
  return (
    <FlexItem style={{ width }}>
      <FormSelect
        aria-label={label}
        value={value}
        validated={error ? 'error' : 'default'}
        isDisabled={readOnly}
        onChange={(_e, v) => {
          onChange(v);
        }}
      >
        {!options.some(([v]) => v === value) && <FormSelectOption value={value} label={value || '—'} />}
        {options.map(([v, text]) => (
          <FormSelectOption key={v} value={v} label={text} />
        ))}
      </FormSelect>
      <Problem message={error} />
    </FlexItem>
  );
}

function Text({
  label,
  value,
  onChange,
  error,
  readOnly,
  width,
  numeric,
  quiet,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  readOnly: boolean;
  width?: string;
  numeric?: boolean;
  /** Marks the input as wrong but leaves the message to the node (a narrow input has no room for it). */
  quiet?: boolean;
}) {
  return (
    <FlexItem style={width ? { width } : undefined}>
      <TextInput
        aria-label={label}
        value={value}
        inputMode={numeric ? 'numeric' : undefined}
        validated={error ? 'error' : 'default'}
        readOnlyVariant={readOnly ? 'default' : undefined}
        onChange={(_e, v) => {
          onChange(v);
        }}
      />
      {!quiet && <Problem message={error} />}
    </FlexItem>
  );
}

function NodeFrame({
  label,
  title,
  children,
  actions,
  problem,
  variant,
}: {
  label: string;
  title: ReactNode;
  children: ReactNode;
  actions: ReactNode;
  problem?: string | undefined;
  variant: 'group' | 'leaf';
}) {
  return (
    <div role="group" aria-label={label} className={`payflow-rule-node payflow-rule-node--${variant}`}>
      <Flex
        justifyContent={{ default: 'justifyContentSpaceBetween' }}
        alignItems={{ default: 'alignItemsCenter' }}
        gap={{ default: 'gapSm' }}
      >
        <FlexItem className="payflow-rule-node__title">{title}</FlexItem>
        <FlexItem>
          <Flex gap={{ default: 'gapXs' }}>{actions}</Flex>
        </FlexItem>
      </Flex>
      <Problem message={problem} />
      {children}
    </div>
  );
}

function NodeActions({ p, negate }: { p: NodeProps; negate: boolean }) {
  if (p.readOnly) return null;
  return (
    <>
      {negate && (
        <Button
          variant="link"
          isInline
          onClick={() => {
            p.onChange({ not: p.value });
          }}
          aria-label={`Negate ${p.label}`}
        >
          Negate
        </Button>
      )}
      {p.onRemove && (
        <Button variant="plain" icon={<TrashIcon />} aria-label={`Remove ${p.label}`} onClick={p.onRemove} />
      )}
    </>
  );
}

function GroupNode(p: NodeProps & { kind: 'all' | 'any' }) {
  const list = ((p.value as Record<string, unknown>)[p.kind] ?? []) as unknown[];
  const set = (kind: 'all' | 'any', items: unknown[]) => {
    p.onChange(kind === 'all' ? { all: items } : { any: items });
  };
  const add = (e: Expr) => {
    set(p.kind, [...list, e]);
  };
  return (
    <NodeFrame
      variant="group"
      label={p.label}
      problem={issueAt(p.issues, p.path) ?? issueAt(p.issues, childPath(p.path, p.kind))}
      title={
        <Flex alignItems={{ default: 'alignItemsCenter' }} gap={{ default: 'gapSm' }}>
          <FlexItem>Payments matching</FlexItem>
          <Select
            label={`Match of ${p.label}`}
            width="12.5rem"
            value={p.kind}
            readOnly={p.readOnly}
            options={[
              ['all', 'all of these (and)'],
              ['any', 'any of these (or)'],
            ]}
            onChange={(v) => {
              set(v === 'any' ? 'any' : 'all', list);
            }}
          />
        </Flex>
      }
      actions={<NodeActions p={p} negate />}
    >
      <div className="payflow-rule-children">
        {list.length === 0 && (
          <div className="pf-v6-u-text-color-subtle pf-v6-u-font-size-sm">
            {p.kind === 'all'
              ? 'No conditions yet: matches every payment.'
              : 'No conditions yet: matches nothing.'}
          </div>
        )}
        {list.map((child, i) => (
          <ExprNode
            key={i}
            value={child}
            path={childPath(p.path, p.kind, i)}
            label={`${p.label}.${String(i + 1)}`}
            issues={p.issues}
            readOnly={p.readOnly}
            onChange={(next) => {
              set(
                p.kind,
                list.map((c, j) => (j === i ? next : c)),
              );
            }}
            onRemove={() => {
              set(
                p.kind,
                list.filter((_c, j) => j !== i),
              );
            }}
          />
        ))}
      </div>
      {!p.readOnly && (
        <Flex gap={{ default: 'gapSm' }} className="payflow-rule-add">
          <Button
            variant="link"
            icon={<PlusCircleIcon />}
            onClick={() => {
              add(newComparison());
            }}
            aria-label={`Add condition to ${p.label}`}
          >
            Condition
          </Button>
          <Button
            variant="link"
            icon={<PlusCircleIcon />}
            onClick={() => {
              add(newAggregate());
            }}
            aria-label={`Add windowed aggregate to ${p.label}`}
          >
            Windowed aggregate
          </Button>
          <Button
            variant="link"
            icon={<PlusCircleIcon />}
            onClick={() => {
              add({ any: [] });
            }}
            aria-label={`Add group to ${p.label}`}
          >
            Group
          </Button>
        </Flex>
      )}
    </NodeFrame>
  );
}

function NotNode(p: NodeProps) {
  const inner = (p.value as { not: unknown }).not;
  return (
    <NodeFrame
      variant="group"
      label={p.label}
      problem={issueAt(p.issues, p.path)}
      title={<strong>Not</strong>}
      actions={
        !p.readOnly && (
          <>
            <Button
              variant="link"
              isInline
              aria-label={`Remove not from ${p.label}`}
              onClick={() => {
                p.onChange(inner);
              }}
            >
              Remove not
            </Button>
            {p.onRemove && (
              <Button
                variant="plain"
                icon={<TrashIcon />}
                aria-label={`Remove ${p.label}`}
                onClick={p.onRemove}
              />
            )}
          </>
        )
      }
    >
      <div className="payflow-rule-children">
        <ExprNode
          value={inner}
          path={childPath(p.path, 'not')}
          label={`${p.label} (negated)`}
          issues={p.issues}
          readOnly={p.readOnly}
          onChange={(next) => {
            p.onChange({ not: next });
          }}
        />
      </div>
    </NodeFrame>
  );
}

const METADATA_TYPES = [
  ['string', 'text'],
  ['number', 'number'],
  ['boolean', 'true / false'],
] as const;

function ValueInput({
  p,
  c,
  list,
  numeric,
  boolean,
  typed,
  set,
}: {
  p: NodeProps;
  c: Comparison;
  list: boolean;
  numeric: boolean;
  boolean: boolean;
  typed: (text: string) => Scalar;
  set: (patch: Partial<Comparison>) => void;
}) {
  const first = Array.isArray(c.value) ? c.value[0] : c.value;
  if (boolean && !list)
    return (
      <Select
        label={`Value of ${p.label}`}
        value={String(first)}
        readOnly={p.readOnly}
        options={[
          ['true', 'true'],
          ['false', 'false'],
        ]}
        error={valueIssue(p.issues, p.path)}
        onChange={(v) => {
          set({ value: v === 'true' });
        }}
      />
    );
  return (
    <Text
      label={list ? `Values of ${p.label} (comma-separated)` : `Value of ${p.label}`}
      value={list ? listText(c.value) : String(first ?? '')}
      readOnly={p.readOnly}
      numeric={numeric}
      width={list ? '16rem' : '10rem'}
      error={valueIssue(p.issues, p.path)}
      onChange={(v) => {
        set({ value: list ? parseList(v, numeric).map((x) => typed(String(x))) : typed(v) });
      }}
    />
  );
}

function ComparisonNode(p: NodeProps) {
  const c = p.value as Comparison;
  const isMeta = c.field.startsWith('metadata.');
  const ops = opsFor(c.field);
  const list = isList(c.op);
  const first = Array.isArray(c.value) ? c.value[0] : c.value;
  const metaType = typeof first === 'number' ? 'number' : typeof first === 'boolean' ? 'boolean' : 'string';
  const numeric = c.field === 'amount_minor' || (isMeta && metaType === 'number');
  const set = (patch: Partial<Comparison>) => {
    p.onChange({ ...c, ...patch });
  };
  const setField = (field: string) => {
    const op = opsFor(field).includes(c.op) ? c.op : (opsFor(field)[0] ?? 'eq');
    set({ field, op, value: defaultValue(field, op) });
  };
  const typed = (text: string): Scalar => {
    if (isMeta && metaType === 'boolean') return text === 'true';
    return parseScalar(text, numeric);
  };
  return (
    <NodeFrame
      variant="leaf"
      label={p.label}
      problem={issueAt(p.issues, p.path)}
      title={<span className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">Field</span>}
      actions={<NodeActions p={p} negate />}
    >
      <Flex gap={{ default: 'gapSm' }} alignItems={{ default: 'alignItemsFlexStart' }}>
        <Select
          label={`Field of ${p.label}`}
          value={isMeta ? 'metadata' : c.field}
          readOnly={p.readOnly}
          options={[...BASE_FIELDS, ['metadata', 'Metadata key…']]}
          error={issueAt(p.issues, childPath(p.path, 'field'))}
          onChange={(v) => {
            setField(v === 'metadata' ? 'metadata.key' : v);
          }}
        />
        {isMeta && (
          <Text
            label={`Metadata key of ${p.label}`}
            value={c.field.slice('metadata.'.length)}
            readOnly={p.readOnly}
            width="10rem"
            onChange={(v) => {
              set({ field: `metadata.${v}` });
            }}
          />
        )}
        <Select
          label={`Operator of ${p.label}`}
          width="9rem"
          value={c.op}
          readOnly={p.readOnly}
          options={ops.map((o) => [o, OP_LABELS[o] ?? o] as const)}
          error={issueAt(p.issues, childPath(p.path, 'op'))}
          onChange={(op) => {
            set({ op, value: isList(op) === list ? c.value : list ? (first ?? '') : [first ?? ''] });
          }}
        />
        {isMeta && (
          <Select
            label={`Value type of ${p.label}`}
            value={metaType}
            readOnly={p.readOnly}
            options={METADATA_TYPES}
            onChange={(t) => {
              const v: Scalar = t === 'number' ? 0 : t === 'boolean' ? true : '';
              set({ value: list ? [v] : v });
            }}
          />
        )}
        <ValueInput
          p={p}
          c={c}
          list={list}
          numeric={numeric}
          boolean={isMeta && metaType === 'boolean'}
          typed={typed}
          set={set}
        />
      </Flex>
    </NodeFrame>
  );
}

function AggregateNode(p: NodeProps) {
  const a = p.value as Aggregate;
  const w = splitWindow(a.window);
  const set = (patch: Partial<Aggregate>) => {
    const next: Aggregate = { ...a, ...patch };
    if (next.aggregate === 'count') delete next.field;
    if (next.aggregate === 'sum') next.field = 'amount_minor';
    if (next.aggregate === 'distinct' && (next.field === undefined || next.field === 'amount_minor'))
      next.field = next.group_by === 'card_fingerprint' ? 'country' : 'card_fingerprint';
    p.onChange(next);
  };
  const at = (key: string) => issueAt(p.issues, childPath(p.path, key));
  const narrow = [
    ['Window', at('window')],
    ['Value', at('value')],
  ]
    .filter(([, m]) => m !== undefined)
    .map(([what, m]) => `${String(what)}: ${String(m)}`);
  return (
    <NodeFrame
      variant="leaf"
      label={p.label}
      problem={[issueAt(p.issues, p.path), ...narrow].filter((m) => m !== undefined).join(' · ') || undefined}
      title={<span className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">Windowed aggregate</span>}
      actions={<NodeActions p={p} negate />}
    >
      <Flex gap={{ default: 'gapSm' }} alignItems={{ default: 'alignItemsFlexStart' }}>
        <Select
          label={`Aggregate of ${p.label}`}
          width="12.5rem"
          value={a.aggregate}
          readOnly={p.readOnly}
          options={AGGREGATES}
          error={at('aggregate')}
          onChange={(v) => {
            set({ aggregate: v as Aggregate['aggregate'] });
          }}
        />
        {a.aggregate === 'distinct' && (
          <Select
            label={`Distinct field of ${p.label}`}
            value={a.field ?? ''}
            readOnly={p.readOnly}
            options={DISTINCT_FIELDS}
            error={at('field')}
            onChange={(v) => {
              set({ field: v });
            }}
          />
        )}
        {a.aggregate !== 'distinct' && <Problem message={at('field')} />}
        <FlexItem className="payflow-rule-word">per</FlexItem>
        <Select
          label={`Group by of ${p.label}`}
          value={a.group_by}
          readOnly={p.readOnly}
          options={GROUP_BY}
          error={at('group_by')}
          onChange={(v) => {
            set({ group_by: v });
          }}
        />
        <FlexItem className="payflow-rule-word">over</FlexItem>
        <Text
          label={`Window length of ${p.label}`}
          value={w.count}
          readOnly={p.readOnly}
          numeric
          width="5rem"
          quiet
          error={at('window')}
          onChange={(v) => {
            set({ window: `${v.trim()}${w.unit}` });
          }}
        />
        <Select
          label={`Window unit of ${p.label}`}
          width="8rem"
          value={w.unit}
          readOnly={p.readOnly}
          options={UNITS}
          onChange={(u) => {
            set({ window: `${w.count}${u}` });
          }}
        />
        <Select
          label={`Operator of ${p.label}`}
          width="5.5rem"
          value={a.op}
          readOnly={p.readOnly}
          options={AGGREGATE_OPS.map((o) => [o, OP_LABELS[o] ?? o] as const)}
          error={at('op')}
          onChange={(v) => {
            set({ op: v });
          }}
        />
        <Text
          label={`Value of ${p.label}`}
          value={String(a.value)}
          readOnly={p.readOnly}
          numeric
          width="8rem"
          quiet
          error={at('value')}
          onChange={(v) => {
            const t = v.trim();
            set({ value: /^\d{1,15}$/.test(t) ? Number(t) : t });
          }}
        />
      </Flex>
    </NodeFrame>
  );
}

function UnknownNode(p: NodeProps) {
  return (
    <NodeFrame
      variant="leaf"
      label={p.label}
      problem={issueAt(p.issues, p.path) ?? 'This part is not an expression the builder can show.'}
      title={<span className="pf-v6-u-font-size-sm">Fix this part in the JSON view</span>}
      actions={<NodeActions p={p} negate={false} />}
    >
      <code className="payflow-rule-unknown">{JSON.stringify(p.value)}</code>
    </NodeFrame>
  );
}

export function ExprNode(p: NodeProps) {
  const kind = kindOf(p.value);
  if (kind === 'all' || kind === 'any') return <GroupNode {...p} kind={kind} />;
  if (kind === 'not') return <NotNode {...p} />;
  if (kind === 'comparison') return <ComparisonNode {...p} />;
  if (kind === 'aggregate') return <AggregateNode {...p} />;
  return <UnknownNode {...p} />;
}

/** The whole condition; a bare comparison or aggregate at the top can be wrapped in a group. */
export function ConditionBuilder({
  condition,
  issues,
  readOnly,
  onChange,
}: {
  condition: unknown;
  issues: readonly Issue[];
  readOnly: boolean;
  onChange: (next: unknown) => void;
}) {
  const kind = kindOf(condition);
  return (
    <div className="payflow-rule-builder">
      <ExprNode
        value={condition}
        path="rule_definition.condition"
        label="Condition"
        issues={issues}
        readOnly={readOnly}
        onChange={onChange}
      />
      {!readOnly && kind !== 'all' && kind !== 'any' && (
        <Button
          variant="link"
          onClick={() => {
            onChange({ all: [condition] });
          }}
        >
          Put in a group
        </Button>
      )}
    </div>
  );
}
