// Which columns the explorer shows: a checkbox menu; the choice is saved to the user's
// preferences, so it follows them to another browser.
import { Divider, MenuToggle, Select, SelectList, SelectOption } from '@patternfly/react-core';
import ColumnsIcon from '@patternfly/react-icons/dist/esm/icons/columns-icon';
import { memo, useState } from 'react';
import { useStableCallback } from '../../lib/stable-callback';
import {
  COLUMN_IDS,
  COLUMN_TITLES,
  DEFAULT_COLUMNS,
  FIXED,
  PHONE_COLUMNS,
  toggled,
  type ColumnId,
} from './columns';

const RESET = '__reset';

function description(c: ColumnId, phone: boolean): string | undefined {
  if (FIXED.includes(c)) return 'Always shown';
  if (phone && !PHONE_COLUMNS.includes(c)) return 'Shown on wider screens';
  return undefined;
}

interface Props {
  chosen: readonly ColumnId[];
  phone: boolean;
  onChange: (next: ColumnId[]) => void;
}

/** Renders again when the choice changes, not on every render of the page (a filter typed). */
export function ColumnPicker({ chosen, phone, onChange }: Props) {
  return <ColumnMenu chosen={chosen} phone={phone} onChange={useStableCallback(onChange)} />;
}

const ColumnMenu = memo(
  function ColumnMenu({ chosen, phone, onChange }: Props) {
    const [open, setOpen] = useState(false);
    return (
      <Select
        role="menu"
        isOpen={open}
        selected={chosen}
        onOpenChange={setOpen}
        onSelect={(_e, value) => {
          if (value === RESET) {
            onChange([...DEFAULT_COLUMNS]);
            return;
          }
          const c = value as ColumnId;
          onChange(toggled(chosen, c, !chosen.includes(c)));
        }}
        toggle={(ref) => (
          <MenuToggle
            ref={ref}
            variant="secondary"
            icon={<ColumnsIcon />}
            isExpanded={open}
            onClick={() => {
              setOpen((o) => !o);
            }}
          >
            Columns
          </MenuToggle>
        )}
      >
        <SelectList aria-label="Columns to show">
          {COLUMN_IDS.map((c) => (
            <SelectOption
              key={c}
              value={c}
              hasCheckbox
              isSelected={chosen.includes(c)}
              isDisabled={FIXED.includes(c)}
              description={description(c, phone)}
            >
              {COLUMN_TITLES[c]}
            </SelectOption>
          ))}
        </SelectList>
        <Divider />
        <SelectList>
          <SelectOption value={RESET}>Reset to default columns</SelectOption>
        </SelectList>
      </Select>
    );
  },
  (a, b) => a.onChange === b.onChange && a.phone === b.phone && a.chosen.join() === b.chosen.join(),
);
