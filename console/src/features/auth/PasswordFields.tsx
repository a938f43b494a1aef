import { FormGroup, FormHelperText, HelperText, HelperTextItem, TextInput } from '@patternfly/react-core';

export const PASSWORD_MIN = 8;

/** A required text field with its error under it. */
export function Field({
  id,
  label,
  type = 'text',
  autoComplete,
  value,
  error,
  help,
  readOnly = false,
  onChange,
}: {
  id: string;
  label: string;
  type?: 'text' | 'email' | 'password';
  autoComplete?: string;
  value: string;
  error: string | undefined;
  help?: string;
  readOnly?: boolean;
  onChange: (v: string) => void;
}) {
  return (
    <FormGroup label={label} isRequired fieldId={id}>
      <TextInput
        id={id}
        type={type}
        autoComplete={autoComplete}
        isRequired
        value={value}
        {...(readOnly ? { readOnlyVariant: 'default' as const } : {})}
        validated={error ? 'error' : 'default'}
        aria-describedby={`${id}-help`}
        onChange={(_e, v) => {
          onChange(v);
        }}
      />
      {(error ?? help) !== undefined && (
        <FormHelperText>
          <HelperText id={`${id}-help`}>
            <HelperTextItem variant={error ? 'error' : 'default'}>{error ?? help}</HelperTextItem>
          </HelperText>
        </FormHelperText>
      )}
    </FormGroup>
  );
}
