// PatternFly's table row and body cell, as markup only. PatternFly's Td reads offsetWidth and
// scrollWidth of its cell in an effect on every mount (to make a cut-off cell focusable for its
// tooltip), and Tr makes an OUIA id per row: a page of fifty rows of ten cells forced a layout of
// the whole page during every commit and did that bookkeeping 550 times per filter change. Cells
// of long lists hold short values that wrap or stay whole (`nowrap`), never cut off, so they render
// PatternFly's classes directly: the same look and the same markup, no measuring.
import styles from '@patternfly/react-styles/css/components/Table/table';
import type { ReactNode } from 'react';

export function StaticTr({ children }: { children: ReactNode }) {
  return (
    <tr className={styles.tableTr} data-ouia-component-type="PF6/TableRow" data-ouia-safe="true">
      {children}
    </tr>
  );
}

export function StaticTd({
  dataLabel,
  nowrap,
  className,
  children,
}: {
  dataLabel?: string | undefined;
  nowrap?: boolean | undefined;
  className?: string | undefined;
  children?: ReactNode;
}) {
  const classes = [styles.tableTd, className ?? '', nowrap ? styles.modifiers.nowrap : ''].filter(Boolean);
  return (
    <td tabIndex={-1} data-label={dataLabel} className={classes.join(' ')}>
      {children}
    </td>
  );
}
