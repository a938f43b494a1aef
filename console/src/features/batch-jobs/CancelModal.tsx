// Confirms cancelling one job; one Idempotency-Key per opening of the dialog.
import { Alert, Button, Modal, ModalBody, ModalFooter, ModalHeader } from '@patternfly/react-core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, describeError } from '../../lib/api';
import { useIntentKey } from '../../lib/idempotency';
import { keys } from '../../lib/query';
import type { BatchJob } from './types';

export function CancelModal({ job, onClose }: { job: BatchJob; onClose: () => void }) {
  const client = useQueryClient();
  const intent = useIntentKey();
  const cancel = useMutation({
    mutationFn: () =>
      api.post<BatchJob>(
        `/api/v1/batch-jobs/${encodeURIComponent(job.id)}/cancel`,
        {},
        {
          idempotencyKey: intent.key(),
        },
      ),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: keys.batchJobs });
      onClose();
    },
  });
  return (
    <Modal
      isOpen
      variant="small"
      onClose={onClose}
      aria-labelledby="cancel-job-title"
      aria-describedby="cancel-job-body"
    >
      <ModalHeader title="Cancel batch job?" titleIconVariant="warning" labelId="cancel-job-title" />
      <ModalBody id="cancel-job-body">
        <p>
          <strong>{job.name}</strong> ({job.type}, {job.status}) stops at its next checkpoint. Items already
          processed stay processed; the job cannot be resumed.
        </p>
        {cancel.error && (
          <Alert isInline variant="danger" title="The job was not cancelled" className="pf-v6-u-mt-md">
            {describeError(cancel.error)}
          </Alert>
        )}
      </ModalBody>
      <ModalFooter>
        <Button
          variant="danger"
          isLoading={cancel.isPending}
          isDisabled={cancel.isPending}
          onClick={() => {
            cancel.mutate();
          }}
        >
          Cancel job
        </Button>
        <Button variant="link" onClick={onClose}>
          Keep job
        </Button>
      </ModalFooter>
    </Modal>
  );
}
