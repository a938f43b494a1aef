import { FormGroup, FormHelperText, HelperText, HelperTextItem, TextInput } from '@patternfly/react-core';

/** The merchants an account or key is limited to, as typed ids; disabled for admins (never limited). */
export function MerchantsField({
  id,
  admin,
  value,
  error,
  onChange,
}: {
  id: string;
  admin: boolean;
  value: string;
  error: string | undefined;
  onChange: (v: string) => void;
}) {
  return (
    <FormGroup label="Merchants" fieldId={id} className="payflow-invite-merchants">
      <TextInput
        id={id}
        value={admin ? '' : value}
        isDisabled={admin}
        placeholder={admin ? 'Admins see every merchant' : 'All merchants'}
        validated={error ? 'error' : 'default'}
        aria-describedby={`${id}-help`}
        onChange={(_e, v) => {
          onChange(v);
        }}
      />
      <FormHelperText>
        <HelperText id={`${id}-help`}>
          <HelperTextItem variant={error ? 'error' : 'default'}>
            {error ?? 'Merchant ids, comma-separated; empty for every merchant.'}
          </HelperTextItem>
        </HelperText>
      </FormHelperText>
    </FormGroup>
  );
}
