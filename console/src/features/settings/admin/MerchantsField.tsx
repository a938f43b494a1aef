import {
  Alert,
  Button,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  TextInput,
} from '@patternfly/react-core';
import { useState } from 'react';
import { describeError } from '../../../lib/api';
import { parseMerchants } from '../../../lib/merchants';

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

/** Changes the merchants an account or key is limited to (the caller saves them and audits). */
export function MerchantsModal({
  title,
  description,
  merchantIds,
  busy,
  error,
  onSave,
  onClose,
}: {
  title: string;
  description: string;
  merchantIds: readonly string[] | null;
  busy: boolean;
  error: unknown;
  onSave: (ids: string[] | null) => void;
  onClose: () => void;
}) {
  const [text, setText] = useState((merchantIds ?? []).join(', '));
  return (
    <Modal isOpen variant="small" onClose={onClose} aria-labelledby="merchants-title">
      <ModalHeader title={title} labelId="merchants-title" />
      <ModalBody>
        <p className="pf-v6-u-mb-md">{description}</p>
        <TextInput
          aria-label="Merchant ids, comma-separated"
          value={text}
          placeholder="All merchants"
          onChange={(_e, v) => {
            setText(v);
          }}
        />
        {error !== null && (
          <Alert isInline variant="danger" title="The merchants were not changed" className="pf-v6-u-mt-md">
            {describeError(error)}
          </Alert>
        )}
      </ModalBody>
      <ModalFooter>
        <Button
          isLoading={busy}
          isDisabled={busy}
          onClick={() => {
            onSave(parseMerchants(text));
          }}
        >
          Save
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
