// Mutations and downloads of batch jobs: cancel and retry (one Idempotency-Key per intent), and an
// export's file fetched with the session's token and saved under the name the API gives.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, respond } from '../../lib/api';
import { useIntentKey } from '../../lib/idempotency';
import { keys } from '../../lib/query';
import type { BatchJob } from './types';

export function useJobAction(action: 'cancel' | 'retry', job: Pick<BatchJob, 'id'>) {
  const client = useQueryClient();
  const intent = useIntentKey();
  return useMutation({
    mutationFn: () =>
      api.post<BatchJob>(
        `/api/v1/batch-jobs/${encodeURIComponent(job.id)}/${action}`,
        {},
        {
          idempotencyKey: intent.key(),
        },
      ),
    onSuccess: async () => {
      intent.reset();
      await client.invalidateQueries({ queryKey: keys.batchJobs });
    },
  });
}

function fileNameOf(res: Response, fallback: string): string {
  const header = res.headers.get('content-disposition') ?? '';
  return /filename="([^"]+)"/.exec(header)?.[1] ?? fallback;
}

/** Downloads the export's file (GET /api/v1/batch-jobs/{id}/output). */
export async function downloadExport(job: Pick<BatchJob, 'id' | 'name'>): Promise<void> {
  const res = await respond(`/api/v1/batch-jobs/${encodeURIComponent(job.id)}/output`);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileNameOf(res, `${job.name}.csv`);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 1000);
}

export function useDownload(job: Pick<BatchJob, 'id' | 'name'>) {
  return useMutation({ mutationFn: () => downloadExport(job) });
}

export const canDownload = (job: Pick<BatchJob, 'type' | 'status' | 'parameters'>): boolean =>
  job.type === 'export' && job.status === 'succeeded' && typeof job.parameters.path !== 'string';

export const canRetry = (job: Pick<BatchJob, 'status' | 'source'>): boolean =>
  job.status === 'failed' && job.source === 'api';
