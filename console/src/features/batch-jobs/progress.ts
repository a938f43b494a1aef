// A job's progress in words and as a percentage. The total is unknown until the job has counted
// its window (null), so the text says how many were processed without pretending a ratio.
import { formatCount } from '../../lib/format';
import type { BatchJob } from './types';

type Counts = Pick<BatchJob, 'processed' | 'total' | 'failed' | 'progress'>;

/** 0–100, or undefined when there is nothing to measure against. */
export function progressPercent(job: Counts): number | undefined {
  if (job.progress !== null) return Math.round(job.progress * 1000) / 10;
  if (job.total === null || job.total === 0) return undefined;
  return Math.min(100, Math.round((job.processed / job.total) * 1000) / 10);
}

export function progressText(job: Counts): string {
  const done =
    job.total === null
      ? `${formatCount(job.processed)} processed`
      : `${formatCount(job.processed)} / ${formatCount(job.total)}`;
  return job.failed > 0 ? `${done}, ${formatCount(job.failed)} failed` : done;
}
