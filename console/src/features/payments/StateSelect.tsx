// The state filter: several states at once, a checkbox menu whose toggle is named "State".
import { Badge, MenuToggle, Select, SelectList, SelectOption } from '@patternfly/react-core';
import { useState } from 'react';
import { humanize, PAYMENT_STATES } from '../../components/StateLabel';

export function StateSelect({
  selected,
  onChange,
}: {
  selected: readonly string[];
  onChange: (next: string[]) => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <Select
      role="menu"
      isOpen={open}
      selected={selected}
      onOpenChange={setOpen}
      onSelect={(_e, value) => {
        const v = String(value);
        onChange(selected.includes(v) ? selected.filter((s) => s !== v) : [...selected, v]);
      }}
      toggle={(ref) => (
        <MenuToggle
          ref={ref}
          isExpanded={open}
          onClick={() => {
            setOpen((o) => !o);
          }}
          badge={selected.length > 0 ? <Badge isRead>{selected.length}</Badge> : undefined}
        >
          State
        </MenuToggle>
      )}
    >
      <SelectList>
        {PAYMENT_STATES.map((s) => (
          <SelectOption key={s} value={s} hasCheckbox isSelected={selected.includes(s)}>
            {humanize(s)}
          </SelectOption>
        ))}
      </SelectList>
    </Select>
  );
}
