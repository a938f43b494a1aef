// What a bulk acknowledge did, alert by alert: a summary sentence and the alerts that need a look.
import { Alert as InlineAlert, AlertActionCloseButton, List, ListItem } from '@patternfly/react-core';
import { Link } from 'react-router';
import { BULK_LABELS, summarizeBulk } from './bulk';
import type { BulkResult } from './types';

export function BulkResults({
  results,
  titleOf,
  onClose,
}: {
  results: BulkResult[];
  /** The title of an alert the page knows, for the list. */
  titleOf: (id: string) => string | undefined;
  onClose: () => void;
}) {
  const summary = summarizeBulk(results);
  return (
    <InlineAlert
      isInline
      variant={summary.variant}
      title={summary.title}
      actionClose={<AlertActionCloseButton title="Bulk acknowledge results" onClose={onClose} />}
      aria-live="polite"
    >
      {summary.problems.length > 0 && (
        <List aria-label="Alerts not acknowledged by this action" isPlain>
          {summary.problems.map((r) => (
            <ListItem key={r.id}>
              <strong>{BULK_LABELS[r.status]}</strong>
              {': '}
              {r.status === 'not_found' ? (
                <code>{r.id}</code>
              ) : (
                <Link to={`/alerts/${encodeURIComponent(r.id)}`}>
                  {titleOf(r.id) ?? r.alert?.title ?? r.id}
                </Link>
              )}
              {r.detail && <span className="pf-v6-u-color-200"> — {r.detail}</span>}
            </ListItem>
          ))}
        </List>
      )}
    </InlineAlert>
  );
}
