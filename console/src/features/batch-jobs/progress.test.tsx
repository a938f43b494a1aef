import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { JobProgress } from './BatchJobsPage';
import { progressPercent, progressText } from './progress';
import type { BatchJob } from './types';

const counts = (processed: number, total: number | null, failed = 0, progress: number | null = null) => ({
  processed,
  total,
  failed,
  progress,
});

describe('progress', () => {
  it('when the total is known, then the text is processed / total', () => {
    expect(progressText(counts(1200, 5000))).toBe('1,200 / 5,000');
    expect(progressPercent(counts(1200, 5000))).toBe(24);
  });

  it('when some items failed, then the text says how many', () => {
    expect(progressText(counts(10, 20, 3))).toBe('10 / 20, 3 failed');
  });

  it('when the total is not counted yet, then no percentage is made up', () => {
    expect(progressText(counts(42, null))).toBe('42 processed');
    expect(progressPercent(counts(42, null))).toBeUndefined();
    expect(progressPercent(counts(0, 0))).toBeUndefined();
  });

  it('when the API gives a progress ratio, then it is the percentage', () => {
    expect(progressPercent(counts(1, 3, 0, 1 / 3))).toBe(33.3);
  });

  it('when a job is shown, then its progress bar is named after it and reads its counts', () => {
    const job = {
      id: 'job_1',
      name: 'replay-november',
      status: 'running',
      ...counts(250, 1000, 2, 0.25),
    } as BatchJob;
    render(<JobProgress job={job} />);
    const bar = screen.getByRole('progressbar', { name: 'Progress of replay-november' });
    expect(bar.getAttribute('aria-valuenow')).toBe('25');
    expect(bar.getAttribute('aria-valuetext')).toBe('25%, 250 / 1,000, 2 failed');
    expect(screen.getByText('25% · 250 / 1,000, 2 failed')).toBeTruthy();
  });
});
