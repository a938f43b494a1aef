// An error with what went wrong and a retry. Its own module so that the shell (whose error
// boundary uses it) does not pull the table library into the first chunk.
import {
  Button,
  EmptyState,
  EmptyStateActions,
  EmptyStateBody,
  EmptyStateFooter,
} from '@patternfly/react-core';
import ExclamationCircleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-circle-icon';
import { describeError } from '../lib/api';

/** An error with a retry, for tables, cards and whole pages. */
export function ErrorState({
  error,
  onRetry,
  title,
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) {
  return (
    <EmptyState
      headingLevel="h2"
      icon={ExclamationCircleIcon}
      status="danger"
      titleText={title ?? 'Could not load this'}
      variant="sm"
    >
      <EmptyStateBody>{describeError(error)}</EmptyStateBody>
      {onRetry && (
        <EmptyStateFooter>
          <EmptyStateActions>
            <Button variant="secondary" onClick={onRetry}>
              Try again
            </Button>
          </EmptyStateActions>
        </EmptyStateFooter>
      )}
    </EmptyState>
  );
}
