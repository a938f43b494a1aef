// Resolving an alert: how it ended (false positive, confirmed fraud, other) and a note. One
// Idempotency-Key per opening of the dialog, so a double click resolves once.
import {
  Alert as InlineAlert,
  Button,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  Radio,
  TextArea,
} from '@patternfly/react-core';
import { useState } from 'react';
import { ApiError, describeError } from '../../lib/api';
import { useIntentKey } from '../../lib/idempotency';
import { useAlertCommand } from './queries';
import type { Alert, Resolution } from './types';

const CHOICES: { value: Resolution; label: string; description: string }[] = [
  {
    value: 'false_positive',
    label: 'False positive',
    description: 'The payment is legitimate; the rule fired on good traffic.',
  },
  { value: 'confirmed_fraud', label: 'Confirmed fraud', description: 'The payment is fraudulent.' },
  { value: 'other', label: 'Other', description: 'Neither: say what happened in the notes.' },
];

const MAX_NOTE = 4000;

export function ResolveModal({
  alert,
  onClose,
  onResolved,
}: {
  alert: Pick<Alert, 'id' | 'version' | 'title'>;
  onClose: () => void;
  onResolved: (alert: Alert) => void;
}) {
  const [resolution, setResolution] = useState<Resolution | undefined>();
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState(false);
  const intent = useIntentKey();
  const command = useAlertCommand();
  const noteError = command.error instanceof ApiError ? command.error.issueFor('note') : undefined;
  const tooLong = note.length > MAX_NOTE;

  const submit = () => {
    if (!resolution) {
      setMissing(true);
      return;
    }
    if (tooLong || command.isPending) return;
    const trimmed = note.trim();
    command.mutate(
      {
        alert,
        command: { kind: 'resolve', resolution, note: trimmed || undefined },
        key: intent.key(),
      },
      { onSuccess: onResolved },
    );
  };

  return (
    <Modal isOpen variant="small" onClose={onClose} aria-labelledby="resolve-alert-title">
      <ModalHeader title="Resolve alert" labelId="resolve-alert-title" description={alert.title} />
      <ModalBody>
        <Form
          id="resolve-alert-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          {command.error && !noteError && (
            <InlineAlert isInline variant="danger" title="The alert was not resolved">
              {describeError(command.error)}
            </InlineAlert>
          )}
          <FormGroup role="radiogroup" isStack fieldId="resolve-resolution" label="Resolution" isRequired>
            {CHOICES.map((c) => (
              <Radio
                key={c.value}
                id={`resolve-${c.value}`}
                name="resolution"
                label={c.label}
                description={c.description}
                isChecked={resolution === c.value}
                onChange={() => {
                  setResolution(c.value);
                  setMissing(false);
                }}
              />
            ))}
            {missing && (
              <FormHelperText>
                <HelperText>
                  <HelperTextItem variant="error">Choose how the alert ended.</HelperTextItem>
                </HelperText>
              </FormHelperText>
            )}
          </FormGroup>
          <FormGroup label="Notes" fieldId="resolve-notes">
            <TextArea
              id="resolve-notes"
              value={note}
              onChange={(_e, v) => {
                setNote(v);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) submit();
              }}
              resizeOrientation="vertical"
              rows={4}
              validated={noteError || tooLong ? 'error' : 'default'}
            />
            <FormHelperText>
              <HelperText>
                <HelperTextItem variant={noteError || tooLong ? 'error' : 'default'}>
                  {noteError ??
                    (tooLong
                      ? `At most ${String(MAX_NOTE)} characters (${String(note.length)} now).`
                      : 'Optional. What you found, for whoever reads this alert next.')}
                </HelperTextItem>
              </HelperText>
            </FormHelperText>
          </FormGroup>
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button type="submit" form="resolve-alert-form" isDisabled={tooLong} isLoading={command.isPending}>
          Resolve alert
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
