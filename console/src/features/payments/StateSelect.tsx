// The state filter: several states at once, a checkbox menu whose toggle is named "State".
import { Badge, MenuToggle, Select, SelectList, SelectOption } from '@patternfly/react-core';
import { memo, useState } from 'react';
import { useStableCallback } from '../../lib/stable-callback';
import { humanize, PAYMENT_STATES } from '../../components/StateLabel';

interface Props {
  selected: readonly string[];
  onChange: (next: string[]) => void;
}

/** Renders again when the chosen states change, not on every render of the toolbar. */
export function StateSelect({ selected, onChange }: Props) {
  return <StateMenu selected={selected} onChange={useStableCallback(onChange)} />;
}

const StateMenu = memo(
  function StateMenu({ selected, onChange }: Props) {
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
  },
  (a, b) => a.onChange === b.onChange && a.selected.join() === b.selected.join(),
);
