// "Why it fired": the rule (name, version, mode) and its condition with the values it saw and
// Hit / No hit per node. When the rule has changed since, or is gone, the conditions the engine
// recorded are listed on their own; when the alert records nothing readable, its raw details.
import {
  Alert as InlineAlert,
  CodeBlock,
  CodeBlockCode,
  ExpandableSection,
  Flex,
  FlexItem,
  Label,
  Skeleton,
  Title,
} from '@patternfly/react-core';
import { useState } from 'react';
import { humanize } from '../../components/StateLabel';
import { ConditionList, ConditionTree } from './ConditionTree';
import { explainTree, recordedConditions, ruleMatchesAlert } from './explain';
import { useRule } from './queries';
import type { AlertDetail, ExplainedCondition, RuleSummary } from './types';

export function RawDetails({ details, expanded }: { details: unknown; expanded?: boolean }) {
  const [open, setOpen] = useState(expanded ?? false);
  return (
    <ExpandableSection
      toggleText={open ? 'Hide raw details' : 'Show raw details'}
      isExpanded={open}
      onToggle={(_e, v) => {
        setOpen(v);
      }}
    >
      <CodeBlock>
        <CodeBlockCode>{JSON.stringify(details, null, 2)}</CodeBlockCode>
      </CodeBlock>
    </ExpandableSection>
  );
}

/** The rule as the alert names it, filled in from the rule itself where the alert is silent. */
function ruleName(alert: AlertDetail, rule: RuleSummary | undefined): string {
  return alert.explanation?.rule?.name ?? alert.rule_name ?? rule?.name ?? alert.rule_id ?? 'No rule';
}

function ruleFacts(alert: AlertDetail, rule: RuleSummary | undefined) {
  const action: unknown = rule?.rule_definition.action ?? (alert.details as { action?: unknown }).action;
  return {
    name: ruleName(alert, rule),
    version: alert.rule_version ?? alert.explanation?.rule?.version ?? undefined,
    mode: alert.rule_mode ?? rule?.rule_definition.mode,
    action: typeof action === 'string' ? action : undefined,
  };
}

function RuleHeading({ alert, rule }: { alert: AlertDetail; rule: RuleSummary | undefined }) {
  const { name, version, mode, action } = ruleFacts(alert, rule);
  return (
    <Flex
      gap={{ default: 'gapSm' }}
      alignItems={{ default: 'alignItemsCenter' }}
      flexWrap={{ default: 'wrap' }}
    >
      <FlexItem>
        <Title headingLevel="h3" size="md">
          Rule <span className="pf-v6-u-font-family-monospace">{name}</span>
        </Title>
      </FlexItem>
      {version !== undefined && (
        <FlexItem>
          <Label isCompact variant="outline">
            Version {version}
          </Label>
        </FlexItem>
      )}
      {mode && (
        <FlexItem>
          <Label isCompact color={mode === 'shadow' ? 'purple' : 'blue'}>
            {mode === 'shadow' ? 'Shadow mode: observes only' : 'Enforce mode'}
          </Label>
        </FlexItem>
      )}
      {action && (
        <FlexItem>
          <Label isCompact variant="outline">
            Action: {humanize(action)}
          </Label>
        </FlexItem>
      )}
    </Flex>
  );
}

function Body({
  alert,
  conditions,
  rule,
  ruleError,
  currency,
}: {
  alert: AlertDetail;
  conditions: ExplainedCondition[];
  rule: RuleSummary | undefined;
  ruleError: boolean;
  currency: string | undefined;
}) {
  if (rule && ruleMatchesAlert(rule, alert, conditions)) {
    return (
      <ConditionTree tree={explainTree(rule.rule_definition.condition, conditions)} currency={currency} />
    );
  }
  let why = 'The rule is not available; these are the conditions it recorded when it fired.';
  if (rule) {
    const then =
      typeof alert.rule_version === 'number' ? `version ${String(alert.rule_version)}` : 'an earlier version';
    why = `The rule is at version ${String(rule.version)} now; this alert was raised by ${then}. These are the conditions that held then.`;
  } else if (!ruleError && alert.rule_id === null) {
    why = 'No rule raised this alert; these are the conditions it records.';
  }
  return (
    <>
      <InlineAlert isInline isPlain variant="info" title={why} className="pf-v6-u-mb-sm" />
      {conditions.length > 0 ? (
        <ConditionList conditions={conditions} currency={currency} />
      ) : (
        <p className="pf-v6-u-color-200">The rule engine recorded no conditions for this alert.</p>
      )}
    </>
  );
}

export function Explanation({ alert, currency }: { alert: AlertDetail; currency: string | undefined }) {
  const conditions = recordedConditions(alert);
  const rule = useRule(alert.rule_id);
  return (
    <Flex direction={{ default: 'column' }} gap={{ default: 'gapMd' }} data-tour-id="alert-explanation">
      <RuleHeading alert={alert} rule={rule.data} />
      {conditions === undefined && (
        <>
          {alert.message && <p>{alert.message}</p>}
          <InlineAlert
            isInline
            isPlain
            variant="info"
            title="This alert does not say which conditions held; here is what it records."
          />
          <RawDetails details={alert.details} expanded />
        </>
      )}
      {conditions !== undefined && rule.isLoading && (
        <div aria-busy="true">
          <Skeleton height="2.5rem" screenreaderText="Loading the rule" className="pf-v6-u-mb-sm" />
          <Skeleton height="2.5rem" className="pf-v6-u-mb-sm" />
          <Skeleton height="2.5rem" />
        </div>
      )}
      {conditions !== undefined && !rule.isLoading && (
        <Body
          alert={alert}
          conditions={conditions}
          rule={rule.data}
          ruleError={rule.isError}
          currency={currency}
        />
      )}
      {conditions !== undefined && <RawDetails details={alert.details} />}
    </Flex>
  );
}
