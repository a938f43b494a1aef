// PatternFly's label, as markup only. PatternFly's Label component measures its text in a layout
// effect on every mount (to offer a tooltip when the text is cut off), which forces a layout of
// the whole page during the commit; a table of fifty rows with a state label each paid for it on
// every filter change. Status words are short and never cut off, so the labels in lists render
// PatternFly's classes directly: the same look, no measuring.
import styles from '@patternfly/react-styles/css/components/Label/label';
import type { ReactNode } from 'react';

export type LabelStatus = 'success' | 'warning' | 'danger' | 'info' | 'custom';
export type LabelColor = 'blue' | 'teal' | 'green' | 'orange' | 'purple' | 'red' | 'grey' | 'yellow';

export function StaticLabel({
  status,
  color = 'grey',
  icon,
  compact,
  children,
}: {
  status?: LabelStatus | undefined;
  color?: LabelColor | undefined;
  icon?: ReactNode;
  compact?: boolean | undefined;
  children: ReactNode;
}) {
  const classes = [
    styles.label,
    color === 'grey' ? '' : styles.modifiers[color],
    styles.modifiers.filled,
    status ? styles.modifiers[status] : '',
    compact ? styles.modifiers.compact : '',
  ].filter(Boolean);
  return (
    <span className={classes.join(' ')}>
      <span className={styles.labelContent}>
        {icon && <span className={styles.labelIcon}>{icon}</span>}
        <span className={styles.labelText}>{children}</span>
      </span>
    </span>
  );
}
