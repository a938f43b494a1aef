// "New batch job": one form whose fields follow the chosen type (a replay's merchant and dry run,
// a backtest's rule, an export's format); every job works over a time window. The API validates;
// its field errors appear under the field they name. One Idempotency-Key per opening.
import {
  Alert,
  Button,
  Checkbox,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  TextInput,
} from '@patternfly/react-core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { humanize } from '../../components/StateLabel';
import { ApiError, api, describeError, type Page } from '../../lib/api';
import { useIntentKey } from '../../lib/idempotency';
import { keys } from '../../lib/query';
import { BATCH_JOB_TYPES, type BatchJob } from './types';

type JobType = (typeof BATCH_JOB_TYPES)[number];

const HELP: Record<JobType, string> = {
  replay:
    'Re-send recorded processor events of the window to the events queue; the worker applies each once.',
  backfill: 'Record the processed-event keys of events that arrived through SQS in the window.',
  reconcile: 'Check every payment created in the window against its event history.',
  backtest: 'Evaluate a rule over the payments created in the window.',
  export: 'Write the payments created in the window to a file you can download when the job is done.',
};

export interface Draft {
  type: JobType;
  name: string;
  from: string;
  to: string;
  chunkSize: string;
  merchantId: string;
  dryRun: boolean;
  ruleId: string;
  format: 'csv' | 'jsonl';
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function localInput(d: Date): string {
  return `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function newDraft(now = new Date()): Draft {
  const from = new Date(now.getTime() - 7 * 86_400_000);
  const to = new Date(now.getTime() + 60_000);
  return {
    type: 'export',
    name: '',
    from: localInput(from),
    to: localInput(to),
    chunkSize: '500',
    merchantId: '',
    dryRun: false,
    ruleId: '',
    format: 'csv',
  };
}

const iso = (local: string): string => {
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? local : d.toISOString();
};

/** The request body for a draft (POST /api/v1/batch-jobs). */
export function bodyOf(d: Draft): Record<string, unknown> {
  const chunk = Number(d.chunkSize);
  const parameters: Record<string, unknown> = {
    from: iso(d.from),
    to: iso(d.to),
    chunk_size: d.chunkSize.trim() === '' || !Number.isFinite(chunk) ? d.chunkSize : chunk,
  };
  const merchant = d.merchantId.trim();
  if (merchant && (d.type === 'replay' || d.type === 'reconcile' || d.type === 'export'))
    parameters.merchant_id = merchant;
  if (d.type === 'replay') parameters.dry_run = d.dryRun;
  if (d.type === 'backtest') parameters.rule_id = d.ruleId;
  if (d.type === 'export') parameters.format = d.format;
  return { type: d.type, ...(d.name.trim() ? { name: d.name.trim() } : {}), parameters };
}

function Field({
  id,
  label,
  error,
  help,
  required,
  children,
}: {
  id: string;
  label: string;
  error: string | undefined;
  help?: string;
  required?: boolean;
  children: ReactNode;
}) {
  return (
    <FormGroup label={label} fieldId={id} isRequired={required}>
      {children}
      {(error ?? help) && (
        <FormHelperText>
          <HelperText>
            <HelperTextItem variant={error ? 'error' : 'default'} id={`${id}-help`}>
              {error ?? help}
            </HelperTextItem>
          </HelperText>
        </FormHelperText>
      )}
    </FormGroup>
  );
}

interface RuleOption {
  id: string;
  name: string;
}

function useRules(enabled: boolean) {
  return useQuery({
    queryKey: [...keys.rules, 'list', 'for-backtest'],
    queryFn: ({ signal }) => api.get<Page<RuleOption>>('/api/v1/rules', { limit: 200 }, signal),
    enabled,
    staleTime: 60_000,
  });
}

function TypeFields({
  d,
  set,
  issue,
}: {
  d: Draft;
  set: (p: Partial<Draft>) => void;
  issue: (f: string) => string | undefined;
}) {
  const rules = useRules(d.type === 'backtest');
  const merchant = d.type === 'replay' || d.type === 'reconcile' || d.type === 'export';
  return (
    <>
      {merchant && (
        <Field
          id="job-merchant"
          label="Merchant"
          error={issue('parameters.merchant_id')}
          help="Empty: every merchant."
        >
          <TextInput
            id="job-merchant"
            value={d.merchantId}
            onChange={(_e, v) => {
              set({ merchantId: v });
            }}
          />
        </Field>
      )}
      {d.type === 'replay' && (
        <Checkbox
          id="job-dry-run"
          label="Dry run (count what would be sent, send nothing)"
          isChecked={d.dryRun}
          onChange={(_e, v) => {
            set({ dryRun: v });
          }}
        />
      )}
      {d.type === 'backtest' && (
        <Field id="job-rule" label="Rule" required error={issue('parameters.rule_id')}>
          <FormSelect
            id="job-rule"
            value={d.ruleId}
            onChange={(_e, v) => {
              set({ ruleId: v });
            }}
          >
            <FormSelectOption
              value=""
              label={rules.isPending ? 'Loading rules…' : 'Choose a rule'}
              isDisabled
            />
            {(rules.data?.data ?? []).map((r) => (
              <FormSelectOption key={r.id} value={r.id} label={r.name} />
            ))}
          </FormSelect>
        </Field>
      )}
      {d.type === 'export' && (
        <Field id="job-format" label="Format" error={issue('parameters.format')}>
          <FormSelect
            id="job-format"
            value={d.format}
            onChange={(_e, v) => {
              set({ format: v === 'jsonl' ? 'jsonl' : 'csv' });
            }}
          >
            <FormSelectOption value="csv" label="CSV" />
            <FormSelectOption value="jsonl" label="JSON lines" />
          </FormSelect>
        </Field>
      )}
    </>
  );
}

function issueOf(error: unknown) {
  return (field: string): string | undefined =>
    error instanceof ApiError ? error.issueFor(field) : undefined;
}

export function CreateJobModal({ onClose }: { onClose: () => void }) {
  const [d, setD] = useState<Draft>(() => newDraft());
  const client = useQueryClient();
  const navigate = useNavigate();
  const intent = useIntentKey();
  const set = (p: Partial<Draft>) => {
    setD((old) => ({ ...old, ...p }));
    intent.reset();
  };
  const create = useMutation({
    mutationFn: () => api.post<BatchJob>('/api/v1/batch-jobs', bodyOf(d), { idempotencyKey: intent.key() }),
    onSuccess: async (job) => {
      await client.invalidateQueries({ queryKey: keys.batchJobs });
      onClose();
      await navigate(`/batch-jobs/${encodeURIComponent(job.id)}`);
    },
  });
  const issue = issueOf(create.error);
  const fieldErrors = create.error instanceof ApiError && create.error.issues.length > 0;
  return (
    <Modal isOpen variant="medium" onClose={onClose} aria-labelledby="new-job-title">
      <ModalHeader title="New batch job" labelId="new-job-title" description={HELP[d.type]} />
      <ModalBody>
        <Form
          id="new-job-form"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Field id="job-type" label="Type" required error={issue('type')}>
            <FormSelect
              id="job-type"
              value={d.type}
              onChange={(_e, v) => {
                set({ type: v as JobType });
              }}
            >
              {BATCH_JOB_TYPES.map((t) => (
                <FormSelectOption key={t} value={t} label={humanize(t)} />
              ))}
            </FormSelect>
          </Field>
          <Field id="job-name" label="Name" error={issue('name')} help="Empty: named after the type and id.">
            <TextInput
              id="job-name"
              value={d.name}
              onChange={(_e, v) => {
                set({ name: v });
              }}
            />
          </Field>
          <Field id="job-from" label="From (inclusive)" required error={issue('parameters.from')}>
            <TextInput
              id="job-from"
              type="datetime-local"
              value={d.from}
              onChange={(_e, v) => {
                set({ from: v });
              }}
            />
          </Field>
          <Field id="job-to" label="To (exclusive)" required error={issue('parameters.to')}>
            <TextInput
              id="job-to"
              type="datetime-local"
              value={d.to}
              onChange={(_e, v) => {
                set({ to: v });
              }}
            />
          </Field>
          <Field
            id="job-chunk"
            label="Chunk size"
            error={issue('parameters.chunk_size')}
            help="Items per checkpointed chunk (1–10,000); a retry resumes at the failed chunk."
          >
            <TextInput
              id="job-chunk"
              type="number"
              value={d.chunkSize}
              onChange={(_e, v) => {
                set({ chunkSize: v });
              }}
            />
          </Field>
          <TypeFields d={d} set={set} issue={issue} />
        </Form>
        {create.error && !fieldErrors && (
          <Alert isInline variant="danger" title="The job was not created" className="pf-v6-u-mt-md">
            {describeError(create.error)}
          </Alert>
        )}
      </ModalBody>
      <ModalFooter>
        <Button type="submit" form="new-job-form" isLoading={create.isPending} isDisabled={create.isPending}>
          Start job
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
