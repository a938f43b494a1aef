import { Table, Tbody, Td, Tr } from '@patternfly/react-table';
import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { StaticTd, StaticTr } from './StaticTable';

const CASES: { dataLabel?: string; nowrap?: boolean; className?: string }[] = [
  {},
  { dataLabel: 'Amount', nowrap: true },
  { dataLabel: 'Amount', nowrap: true, className: 'pf-v6-u-text-align-right' },
  { className: 'payflow-x' },
];

/** The rendered rows, without the per-instance OUIA counter PatternFly adds to each row. */
function markup(node: React.ReactNode): string {
  const html = render(
    <Table aria-label="t">
      <Tbody>{node}</Tbody>
    </Table>,
  ).container.querySelector('tbody')?.innerHTML;
  return (html ?? '').replace(/ data-ouia-component-id="[^"]*"/g, '');
}

describe('StaticTr and StaticTd', () => {
  it.each(CASES)(
    'render the markup PatternFly’s Tr and Td render (%o)',
    ({ dataLabel, nowrap, className }) => {
      const pf = markup(
        <Tr>
          <Td dataLabel={dataLabel} modifier={nowrap ? 'nowrap' : undefined} className={className}>
            merchant_0001
          </Td>
        </Tr>,
      );
      const ours = markup(
        <StaticTr>
          <StaticTd dataLabel={dataLabel} nowrap={nowrap} className={className}>
            merchant_0001
          </StaticTd>
        </StaticTr>,
      );
      expect(pf).toContain('pf-v6-c-table__td');
      expect(ours).toBe(pf);
    },
  );
});
