// Filter inputs that type freely and commit to the URL when the user pauses (or presses Enter),
// with the problem of the value shown right under the field.
import { HelperText, HelperTextItem, SearchInput, TextInput } from '@patternfly/react-core';
import { useEffect, useRef, useState, type ReactNode } from 'react';

const DELAY_MS = 400;

/** A draft of a URL value: follows the URL when it changes from elsewhere (a removed label). */
export function useDraft(value: string, commit: (v: string) => void) {
  const [draft, setDraft] = useState({ base: value, text: value });
  const text = draft.base === value ? draft.text : value;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(
    () => () => {
      clearTimeout(timer.current);
    },
    [],
  );
  const change = (t: string) => {
    setDraft({ base: value, text: t });
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      commit(t.trim());
    }, DELAY_MS);
  };
  const flush = () => {
    clearTimeout(timer.current);
    if (text.trim() !== value) commit(text.trim());
  };
  return { text, change, flush };
}

export function FieldError({ id, error }: { id: string; error: string | undefined }) {
  if (!error) return null;
  return (
    <HelperText id={id} className="payflow-filter-error">
      <HelperTextItem variant="error">{error}</HelperTextItem>
    </HelperText>
  );
}

export function Field({
  children,
  error,
  id,
  width,
}: {
  children: ReactNode;
  error?: string;
  id: string;
  width?: string;
}) {
  return (
    <div className="payflow-filter-field" style={width ? { width } : undefined}>
      {children}
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}

export function DraftText({
  id,
  label,
  value,
  onCommit,
  error,
  placeholder,
  width,
  inputMode,
}: {
  id: string;
  label: string;
  value: string;
  onCommit: (v: string) => void;
  error?: string;
  placeholder?: string;
  width?: string;
  inputMode?: 'decimal' | 'text';
}) {
  const d = useDraft(value, onCommit);
  return (
    <Field id={id} error={error} width={width}>
      <TextInput
        id={id}
        aria-label={label}
        placeholder={placeholder ?? label}
        value={d.text}
        inputMode={inputMode}
        validated={error ? 'error' : 'default'}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(_e, v) => {
          d.change(v);
        }}
        onBlur={d.flush}
        onKeyDown={(e) => {
          if (e.key === 'Enter') d.flush();
        }}
      />
    </Field>
  );
}

export function DraftSearch({
  label,
  value,
  onCommit,
  error,
}: {
  label: string;
  value: string;
  onCommit: (v: string) => void;
  error?: string;
}) {
  const d = useDraft(value, onCommit);
  return (
    <Field id="payments-q" error={error}>
      <SearchInput
        aria-label={label}
        style={{ width: '17rem' }}
        placeholder="Search payment id"
        value={d.text}
        onChange={(_e, v) => {
          d.change(v);
        }}
        onSearch={d.flush}
        onClear={() => {
          d.change('');
          onCommit('');
        }}
      />
    </Field>
  );
}
