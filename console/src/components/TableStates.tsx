// The three states every table has besides its rows: loading (skeleton rows of the final height,
// so nothing shifts when data arrives), empty (with a clear-filters action when filters are on)
// and error (with a retry). Rendered as a full-width row inside the table's Tbody.
import {
  Bullseye,
  Button,
  EmptyState,
  EmptyStateActions,
  EmptyStateBody,
  EmptyStateFooter,
  Skeleton,
} from '@patternfly/react-core';
import SearchIcon from '@patternfly/react-icons/dist/esm/icons/search-icon';
import CubesIcon from '@patternfly/react-icons/dist/esm/icons/cubes-icon';
import { Td, Tr } from '@patternfly/react-table';
import { ErrorState } from './ErrorState';

export { ErrorState };

export function LoadingRows({ columns, rows = 8 }: { columns: number; rows?: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, r) => (
        <Tr key={r} aria-hidden={r > 0}>
          {Array.from({ length: columns }, (_, c) => (
            <Td key={c}>
              <Skeleton
                screenreaderText={r === 0 && c === 0 ? 'Loading' : undefined}
                width={c === 0 ? '70%' : '50%'}
              />
            </Td>
          ))}
        </Tr>
      ))}
    </>
  );
}

function FullRow({ columns, children }: { columns: number; children: React.ReactNode }) {
  return (
    <Tr>
      <Td colSpan={columns}>
        <Bullseye>{children}</Bullseye>
      </Td>
    </Tr>
  );
}

export function EmptyRows({
  columns,
  filtered,
  onClear,
  title,
  body,
}: {
  columns: number;
  /** Filters are on: say so and offer to clear them. */
  filtered: boolean;
  onClear?: () => void;
  title?: string;
  body?: string;
}) {
  return (
    <FullRow columns={columns}>
      <EmptyState
        headingLevel="h2"
        icon={filtered ? SearchIcon : CubesIcon}
        titleText={filtered ? 'No results found' : (title ?? 'Nothing here yet')}
        variant="sm"
      >
        <EmptyStateBody>
          {filtered ? 'No results match the filter criteria. Clear all filters and try again.' : body}
        </EmptyStateBody>
        {filtered && onClear && (
          <EmptyStateFooter>
            <EmptyStateActions>
              <Button variant="link" onClick={onClear}>
                Clear all filters
              </Button>
            </EmptyStateActions>
          </EmptyStateFooter>
        )}
      </EmptyState>
    </FullRow>
  );
}

export function ErrorRows({
  columns,
  error,
  onRetry,
}: {
  columns: number;
  error: unknown;
  onRetry: () => void;
}) {
  return (
    <FullRow columns={columns}>
      <ErrorState error={error} onRetry={onRetry} />
    </FullRow>
  );
}

/** Picks the body of a table from a query's state. */
export function TableBodyState({
  columns,
  isLoading,
  error,
  isEmpty,
  filtered,
  onRetry,
  onClear,
  emptyTitle,
  emptyBody,
  children,
}: {
  columns: number;
  isLoading: boolean;
  error: unknown;
  isEmpty: boolean;
  filtered: boolean;
  onRetry: () => void;
  onClear?: () => void;
  emptyTitle?: string;
  emptyBody?: string;
  children: React.ReactNode;
}) {
  if (isLoading) return <LoadingRows columns={columns} />;
  if (error) return <ErrorRows columns={columns} error={error} onRetry={onRetry} />;
  if (isEmpty)
    return (
      <EmptyRows
        columns={columns}
        filtered={filtered}
        onClear={onClear}
        title={emptyTitle}
        body={emptyBody}
      />
    );
  return <>{children}</>;
}
