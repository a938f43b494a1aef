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

type Timed = Counts & Pick<BatchJob, 'started_at' | 'completed_at' | 'status'>;

/** Items per second since the job started (until it finished), or undefined before it starts. */
export function jobRate(job: Timed, now = Date.now()): number | undefined {
  if (!job.started_at) return undefined;
  const end = job.completed_at ? Date.parse(job.completed_at) : now;
  const seconds = (end - Date.parse(job.started_at)) / 1000;
  if (!(seconds > 0)) return undefined;
  return (job.processed + job.failed) / seconds;
}

export function rateText(rate: number | undefined): string {
  if (rate === undefined) return '—';
  if (rate >= 100) return `${formatCount(Math.round(rate))} / s`;
  return `${rate.toFixed(rate < 10 ? 1 : 0)} / s`;
}

/** Seconds left at the current rate, when there is a total and the job runs. */
export function secondsLeft(job: Timed, now = Date.now()): number | undefined {
  const rate = jobRate(job, now);
  if (job.status !== 'running' || job.total === null || rate === undefined || rate === 0) return undefined;
  return Math.max(0, (job.total - job.processed - job.failed) / rate);
}
