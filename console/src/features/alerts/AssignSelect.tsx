// Choosing who works an alert: a typeahead over the user directory, with "Assign to me" and
// "Unassign" at the top. Viewers cannot be assigned (the API refuses them), so they are not offered.
import {
  Divider,
  MenuToggle,
  Select,
  SelectList,
  SelectOption,
  TextInputGroup,
  TextInputGroupMain,
  Tooltip,
  type MenuToggleElement,
} from '@patternfly/react-core';
import { useEffect, useRef, useState, type KeyboardEvent, type Ref } from 'react';
import { describeError } from '../../lib/api';
import { useDirectory } from './queries';

const ME = '__me';
const NOBODY = '__nobody';

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => {
      setDebounced(value);
    }, ms);
    return () => {
      clearTimeout(t);
    };
  }, [value, ms]);
  return debounced;
}

interface Option {
  value: string;
  label: string;
  description?: string;
  disabled?: string;
}

function useOptions(
  input: string,
  current: string | null,
  meId: string,
): { options: Option[]; status?: string } {
  const q = useDebounced(input.trim(), 250);
  const directory = useDirectory(q);
  const people: Option[] = (directory.data?.data ?? [])
    .filter((u) => u.role !== 'viewer')
    .map((u) => ({
      value: u.id,
      label: u.id === meId ? `${u.name} (you)` : u.name,
      description: `${u.email} · ${u.role}`,
      disabled: u.id === current ? 'Assigned now' : undefined,
    }));
  const fixed: Option[] = [
    { value: ME, label: 'Assign to me', disabled: current === meId ? 'Assigned to you now' : undefined },
    { value: NOBODY, label: 'Unassign', disabled: current === null ? 'Nobody is assigned' : undefined },
  ];
  let status: string | undefined;
  if (directory.error) status = `The directory cannot be read: ${describeError(directory.error)}`;
  else if (directory.isLoading) status = 'Loading people…';
  else if (people.length === 0) status = q ? `Nobody matches “${q}”` : 'Nobody else can work alerts';
  return { options: [...fixed, ...people], status };
}

export function AssignSelect({
  current,
  meId,
  disabledReason,
  onAssign,
}: {
  current: string | null;
  meId: string;
  /** Why assigning is not possible (role or state); the control is disabled with this tooltip. */
  disabledReason?: string;
  onAssign: (assigneeId: string | null) => void;
}) {
  const [isOpen, setOpen] = useState(false);
  const [input, setInput] = useState('');
  const [focused, setFocused] = useState<number | undefined>();
  const inputRef = useRef<HTMLInputElement>(null);
  const { options, status } = useOptions(input, current, meId);
  const enabled = options.filter((o) => !o.disabled);

  const choose = (value: string) => {
    setOpen(false);
    setInput('');
    setFocused(undefined);
    if (value === ME) onAssign(meId);
    else if (value === NOBODY) onAssign(null);
    else onAssign(value);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      if (enabled.length === 0) return;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      const at = focused ?? (step === 1 ? -1 : 0);
      setFocused((at + step + enabled.length) % enabled.length);
    } else if (e.key === 'Enter' && isOpen && focused !== undefined) {
      e.preventDefault();
      const option = enabled[focused];
      if (option) choose(option.value);
    } else if (e.key === 'Escape') {
      setOpen(false);
      setFocused(undefined);
    }
  };

  const focusedValue = focused === undefined ? undefined : enabled[focused]?.value;
  const toggle = (ref: Ref<MenuToggleElement>) => (
    <MenuToggle
      ref={ref}
      variant="typeahead"
      isFullWidth
      isExpanded={isOpen}
      isDisabled={disabledReason !== undefined}
      onClick={() => {
        setOpen(!isOpen);
        inputRef.current?.focus();
      }}
    >
      <TextInputGroup isPlain>
        <TextInputGroupMain
          innerRef={inputRef}
          value={input}
          aria-label="Assign to"
          placeholder="Assign to…"
          role="combobox"
          isExpanded={isOpen}
          aria-controls="assign-listbox"
          aria-activedescendant={focusedValue ? `assign-option-${focusedValue}` : undefined}
          autoComplete="off"
          onClick={() => {
            setOpen(true);
          }}
          onChange={(_e, v) => {
            setInput(v);
            setOpen(true);
            setFocused(undefined);
          }}
          onKeyDown={onKeyDown}
        />
      </TextInputGroup>
    </MenuToggle>
  );

  const renderOption = (o: Option) => (
    <SelectOption
      key={o.value}
      id={`assign-option-${o.value}`}
      value={o.value}
      description={o.disabled ?? o.description}
      isDisabled={o.disabled !== undefined}
      isFocused={focusedValue === o.value}
    >
      {o.label}
    </SelectOption>
  );

  const select = (
    <Select
      id="assign-select"
      isOpen={isOpen}
      onOpenChange={(open) => {
        setOpen(open);
      }}
      onSelect={(_e, value) => {
        if (typeof value === 'string') choose(value);
      }}
      toggle={toggle}
      shouldFocusToggleOnSelect
      popperProps={{ appendTo: () => document.body }}
    >
      <SelectList id="assign-listbox" aria-label="People">
        {options.slice(0, 2).map(renderOption)}
        <Divider component="li" />
        {options.slice(2).map(renderOption)}
        {status && (
          <SelectOption key="status" value="__status" isDisabled>
            {status}
          </SelectOption>
        )}
      </SelectList>
    </Select>
  );
  if (!disabledReason) return select;
  return (
    <Tooltip content={disabledReason}>
      <div tabIndex={0} aria-label={`Assign to: ${disabledReason}`}>
        {select}
      </div>
    </Tooltip>
  );
}
