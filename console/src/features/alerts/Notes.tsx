// The alert's notes, oldest first, and a box to add one (operators and admins).
import {
  Alert as InlineAlert,
  Flex,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  TextArea,
} from '@patternfly/react-core';
import { useState } from 'react';
import { GuardedButton, useCan } from '../../components/Guarded';
import { Timestamp } from '../../components/Timestamp';
import { ApiError, describeError } from '../../lib/api';
import { useUser } from '../../lib/auth';
import { useIntentKey } from '../../lib/idempotency';
import { useAddNote, useUserName } from './queries';
import type { AlertDetail } from './types';

const MAX_NOTE = 4000;

export function Notes({ alert }: { alert: AlertDetail }) {
  const user = useUser();
  const can = useCan('operator');
  const nameOf = useUserName();
  const [body, setBody] = useState('');
  const intent = useIntentKey();
  const add = useAddNote(alert.id);
  const notes = alert.notes ?? [];
  const fieldError = add.error instanceof ApiError ? add.error.issueFor('body') : undefined;
  const tooLong = body.length > MAX_NOTE;

  const submit = () => {
    const text = body.trim();
    if (!text || tooLong || add.isPending) return;
    add.mutate(
      { body: text, key: intent.key() },
      {
        onSuccess: () => {
          setBody('');
          intent.reset();
        },
      },
    );
  };

  return (
    <Flex direction={{ default: 'column' }} gap={{ default: 'gapMd' }}>
      {notes.length === 0 ? (
        <p className="pf-v6-u-color-200">No notes yet.</p>
      ) : (
        <ol className="payflow-notes" aria-label="Notes on this alert">
          {notes.map((n) => (
            <li key={n.id}>
              <div className="payflow-note-meta">
                <strong>{n.author_id ? nameOf(n.author_id, user.id) : 'System'}</strong>{' '}
                <Timestamp value={n.created_at} relative />
              </div>
              <div className="payflow-prewrap">{n.body}</div>
            </li>
          ))}
        </ol>
      )}
      <Form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {add.error && !fieldError && (
          <InlineAlert isInline variant="danger" title="The note was not added">
            {describeError(add.error)}
          </InlineAlert>
        )}
        <FormGroup label="New note" fieldId="alert-new-note">
          <TextArea
            id="alert-new-note"
            value={body}
            isDisabled={!can}
            placeholder={can ? 'What you checked, what you found…' : 'Viewers cannot add notes.'}
            onChange={(_e, v) => {
              setBody(v);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) submit();
            }}
            rows={3}
            resizeOrientation="vertical"
            validated={fieldError || tooLong ? 'error' : 'default'}
          />
          {(fieldError ?? tooLong) && (
            <FormHelperText>
              <HelperText>
                <HelperTextItem variant="error">
                  {fieldError ?? `At most ${String(MAX_NOTE)} characters (${String(body.length)} now).`}
                </HelperTextItem>
              </HelperText>
            </FormHelperText>
          )}
        </FormGroup>
        <div>
          <GuardedButton
            need="operator"
            reason={body.trim() ? undefined : 'Write the note first.'}
            type="submit"
            variant="secondary"
            isLoading={add.isPending}
          >
            Add note
          </GuardedButton>
        </div>
      </Form>
    </Flex>
  );
}
