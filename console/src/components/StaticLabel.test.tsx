import { Label } from '@patternfly/react-core';
import FlagIcon from '@patternfly/react-icons/dist/esm/icons/flag-icon';
import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { StaticLabel, type LabelColor, type LabelStatus } from './StaticLabel';

const CASES: { status?: LabelStatus; color?: LabelColor; compact?: boolean }[] = [
  { color: 'grey' },
  { color: 'blue', compact: true },
  { color: 'purple' },
  { status: 'success' },
  { status: 'danger', compact: true },
  { status: 'warning' },
];

describe('StaticLabel', () => {
  it.each(CASES)('renders the markup PatternFly’s Label renders (%o)', ({ status, color, compact }) => {
    const pf = render(
      <Label status={status} color={status ? undefined : color} icon={<FlagIcon />} isCompact={compact}>
        Settled
      </Label>,
    ).container.innerHTML;
    const ours = render(
      <StaticLabel status={status} color={color} icon={<FlagIcon />} compact={compact}>
        Settled
      </StaticLabel>,
    ).container.innerHTML;
    expect(ours).toBe(pf);
  });
});
