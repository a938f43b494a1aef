import { act, fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
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

  it('says so when there is no time', () => {
    render(<Timestamp value={null} />);
    expect(screen.getByText('—')).toBeTruthy();
  });
});
