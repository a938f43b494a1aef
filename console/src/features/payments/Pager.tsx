// Keyset paging: Previous / Next over the API's cursors (a stack of the cursors that led here),
// the page size, and an honest count ("of 10,000+" when the total is capped).
import { Button, Flex, FlexItem, FormSelect, FormSelectOption } from '@patternfly/react-core';
import AngleLeftIcon from '@patternfly/react-icons/dist/esm/icons/angle-left-icon';
import AngleRightIcon from '@patternfly/react-icons/dist/esm/icons/angle-right-icon';
import { formatCount } from '../../lib/format';
import { PAGE_SIZES } from './filters';

export function rangeText(opts: {
  /** Undefined when the page was opened from a shared cursor (its position is unknown). */
  first: number | undefined;
  rows: number;
  total: number | null | undefined;
  exact: boolean | undefined;
}): string {
  const { first, rows, total, exact } = opts;
  if (rows === 0) return 'No payments';
  const range =
    first === undefined ? formatCount(rows) : `${formatCount(first)} – ${formatCount(first + rows - 1)}`;
  if (total === null || total === undefined) return `Showing ${range}`;
  return `Showing ${range} of ${formatCount(total)}${exact === false ? '+' : ''}`;
}

export function Pager({
  text,
  pageSize,
  onPageSize,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
}: {
  text: string;
  pageSize: number;
  onPageSize: (n: number) => void;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}) {
  return (
    <Flex
      alignItems={{ default: 'alignItemsCenter' }}
      gap={{ default: 'gapSm' }}
      flexWrap={{ default: 'wrap' }}
    >
      <FlexItem>
        <span className="payflow-tabular payflow-pager-text" aria-live="polite">
          {text}
        </span>
      </FlexItem>
      <FlexItem>
        <FormSelect
          aria-label="Rows per page"
          value={String(pageSize)}
          onChange={(_e, v) => {
            onPageSize(Number(v));
          }}
          style={{ width: '9.5rem' }}
        >
          {PAGE_SIZES.map((n) => (
            <FormSelectOption key={n} value={String(n)} label={`${String(n)} per page`} />
          ))}
        </FormSelect>
      </FlexItem>
      <FlexItem className="payflow-pager-buttons">
        <Button variant="plain" aria-label="Previous page" isDisabled={!hasPrevious} onClick={onPrevious}>
          <AngleLeftIcon />
        </Button>
        <Button variant="plain" aria-label="Next page" isDisabled={!hasNext} onClick={onNext}>
          <AngleRightIcon />
        </Button>
      </FlexItem>
    </Flex>
  );
}
