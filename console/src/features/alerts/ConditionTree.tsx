// The rule's condition as a tree, with the value seen at each comparison and Hit / No hit at
// every node (see explain.ts for how the recorded reasons are matched to the tree).
import { Label } from '@patternfly/react-core';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import MinusCircleIcon from '@patternfly/react-icons/dist/esm/icons/minus-circle-icon';
import OutlinedQuestionCircleIcon from '@patternfly/react-icons/dist/esm/icons/outlined-question-circle-icon';
import { formatMinor } from '../../lib/format';
import { aggregateText, describeExpr, fieldText, opText, type ExplainedNode, type Truth } from './explain';
import type { ExplainedCondition, Scalar } from './types';

export function HitLabel({ hit }: { hit: Truth }) {
  if (hit === true)
    return (
      <Label color="orange" icon={<CheckCircleIcon />} isCompact>
        Hit
      </Label>
    );
  if (hit === false)
    return (
      <Label variant="outline" color="grey" icon={<MinusCircleIcon />} isCompact>
        No hit
      </Label>
    );
  return (
    <Label variant="outline" color="grey" icon={<OutlinedQuestionCircleIcon />} isCompact>
      Not recorded
    </Label>
  );
}

const isMinorInteger = (v: Scalar): boolean =>
  (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));

/** A value as a person reads it: an amount in minor units as money when the currency is known. */
export function formatValue(field: string | undefined, value: Scalar | Scalar[], currency?: string): string {
  if (Array.isArray(value)) return value.map((v) => formatValue(field, v, currency)).join(', ');
  if (field === 'amount_minor' && currency && isMinorInteger(value))
    return formatMinor(String(value), currency);
  if (typeof value === 'number') return new Intl.NumberFormat().format(value);
  return String(value);
}

interface LeafView {
  label: string;
  /** The field whose unit the values have (amount_minor for money). */
  unit: string | undefined;
  op: string | undefined;
  expected: Scalar | Scalar[] | undefined;
  actual: Scalar | undefined;
  raw: string;
}

function Leaf({ view, hit, currency }: { view: LeafView; hit: Truth; currency?: string }) {
  return (
    <div className="payflow-cond-leaf">
      <HitLabel hit={hit} />
      <span className="payflow-cond-expr">
        <strong>{view.label}</strong> {opText(view.op)}{' '}
        {view.expected !== undefined && (
          <code className="payflow-cond-value">{formatValue(view.unit, view.expected, currency)}</code>
        )}
      </span>
      <span className="payflow-cond-seen">
        {view.actual !== undefined ? (
          <>
            seen <code className="payflow-cond-actual">{formatValue(view.unit, view.actual, currency)}</code>
          </>
        ) : (
          <span className="pf-v6-u-color-200">
            {hit === true ? 'value not recorded' : 'no value recorded'}
          </span>
        )}
      </span>
      <code className="payflow-cond-raw" title="As the rule engine writes it">
        {view.raw}
      </code>
    </div>
  );
}

function leafOfNode(node: Extract<ExplainedNode, { kind: 'leaf' }>): LeafView {
  const { expr, recorded } = node;
  const raw = describeExpr(expr);
  if ('aggregate' in expr) {
    return {
      label: aggregateText({
        function: expr.aggregate,
        field: expr.field,
        window: expr.window,
        group_by: expr.group_by,
      }),
      unit: expr.aggregate === 'sum' ? 'sum' : undefined,
      op: expr.op,
      expected: expr.value,
      actual: recorded?.actual,
      raw,
    };
  }
  return {
    label: fieldText(expr.field),
    unit: expr.field,
    op: expr.op,
    expected: expr.value,
    actual: recorded?.actual,
    raw,
  };
}

/** A recorded condition on its own (no rule tree to place it in). */
export function leafOfCondition(c: ExplainedCondition): LeafView {
  const raw = c.text.replace(/ \(was .*\)$/, '');
  if (c.kind === 'aggregate' && c.aggregate) {
    return {
      label: aggregateText(c.aggregate),
      unit: undefined,
      op: c.op,
      expected: c.expected,
      actual: c.actual,
      raw,
    };
  }
  if (c.kind === 'comparison' && c.field) {
    return {
      label: fieldText(c.field),
      unit: c.field,
      op: c.op,
      expected: c.expected,
      actual: c.actual,
      raw,
    };
  }
  return {
    label: c.text,
    unit: undefined,
    op: undefined,
    expected: undefined,
    actual: undefined,
    raw: c.text,
  };
}

const GROUP_TITLES = { all: 'All of these', any: 'Any of these', not: 'Not this' } as const;

function Group({
  kind,
  hit,
  children,
}: {
  kind: 'all' | 'any' | 'not';
  hit: Truth;
  children: React.ReactNode;
}) {
  return (
    <div className="payflow-cond-group">
      <div className="payflow-cond-leaf">
        <HitLabel hit={hit} />
        <strong>{GROUP_TITLES[kind]}</strong>
      </div>
      <ul className="payflow-cond-children">{children}</ul>
    </div>
  );
}

function Node({ node, currency }: { node: ExplainedNode; currency?: string }) {
  if (node.kind === 'leaf') return <Leaf view={leafOfNode(node)} hit={node.hit} currency={currency} />;
  if (node.kind === 'not')
    return (
      <Group kind="not" hit={node.hit}>
        <li>
          <Node node={node.child} currency={currency} />
        </li>
      </Group>
    );
  return (
    <Group kind={node.kind} hit={node.hit}>
      {node.children.length === 0 && <li className="pf-v6-u-color-200">No conditions: always true</li>}
      {node.children.map((child, i) => (
        <li key={i}>
          <Node node={child} currency={currency} />
        </li>
      ))}
    </Group>
  );
}

export function ConditionTree({ tree, currency }: { tree: ExplainedNode; currency?: string }) {
  return (
    <div className="payflow-cond" role="group" aria-label="Rule condition">
      <Node node={tree} currency={currency} />
    </div>
  );
}

/** The recorded conditions as a flat list, each a hit (the engine records only what held). */
export function ConditionList({
  conditions,
  currency,
}: {
  conditions: ExplainedCondition[];
  currency?: string;
}) {
  return (
    <ul className="payflow-cond payflow-cond-children payflow-cond-flat" aria-label="Conditions that held">
      {conditions.map((c, i) => (
        <li key={i}>
          <Leaf view={leafOfCondition(c)} hit={true} currency={currency} />
        </li>
      ))}
    </ul>
  );
}
