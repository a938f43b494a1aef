import { act, fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { formatTime } from '../lib/format';
import { Timestamp } from './Timestamp';

const AT = '2026-07-15T09:30:05Z';

describe('Timestamp', () => {
  it('shows the time without a tooltip until the pointer or the focus reaches it', async () => {
    render(<Timestamp value={AT} seconds />);
    const time = screen.getByText((_, el) => el?.tagName === 'TIME');
    expect(time.getAttribute('datetime')).toBe(AT);
    expect(screen.queryByRole('tooltip')).toBeNull();

    await act(async () => {
      fireEvent.mouseEnter(time);
      await Promise.resolve();
    });
    expect((await screen.findByRole('tooltip')).textContent).toContain('2026-07-15 09:30:05 UTC');

    fireEvent.mouseLeave(time);
    expect(screen.queryByRole('tooltip')).toBeNull();
  });

  it('shows UTC to a keyboard user on focus and hides it on Escape', async () => {
    render(<Timestamp value={AT} />);
    const time = screen.getByText((_, el) => el?.tagName === 'TIME');
    act(() => {
      time.focus();
    });
    expect((await screen.findByRole('tooltip')).textContent).toContain('UTC');
    fireEvent.keyDown(time, { key: 'Escape' });
    expect(screen.queryByRole('tooltip')).toBeNull();
  });

  it('given wrap, then the line may break between the date and the time, never inside either', () => {
    render(<Timestamp value={AT} seconds wrap />);
    const time = screen.getByText((_, el) => el?.tagName === 'TIME');
    expect(time.style.whiteSpace).toBe('');
    const parts = [...time.querySelectorAll('span')];
    expect(parts.map((s) => s.style.whiteSpace)).toEqual(['nowrap', 'nowrap']);
    expect(parts[1]?.textContent).toBe(formatTime(AT, { seconds: true, date: false }));
    expect(time.textContent).toBe(formatTime(AT, { seconds: true }));
  });

  it('without wrap, then the whole time stays on one line', () => {
    render(<Timestamp value={AT} seconds />);
    const time = screen.getByText((_, el) => el?.tagName === 'TIME');
    expect(time.style.whiteSpace).toBe('nowrap');
  });

  it('given wrap on a relative time, then it stays on one line (there is no date to break before)', () => {
    render(<Timestamp value={AT} relative wrap />);
    const time = screen.getByText((_, el) => el?.tagName === 'TIME');
    expect(time.style.whiteSpace).toBe('nowrap');
    expect(time.querySelector('span')).toBeNull();
  });

  it('says so when there is no time', () => {
    render(<Timestamp value={null} />);
    expect(screen.getByText('—')).toBeTruthy();
  });
});
