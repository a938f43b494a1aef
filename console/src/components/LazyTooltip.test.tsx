import { act, fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { LazyTooltip } from './LazyTooltip';

describe('LazyTooltip', () => {
  it('mounts no tooltip until the pointer reaches its child, and removes it when the pointer leaves', async () => {
    const tree = (
      <LazyTooltip content="Dark theme">
        <button type="button" aria-label="Dark theme">
          ☾
        </button>
      </LazyTooltip>
    );
    // PatternFly's Popper reads the trigger's computed style at each render; a tooltip not shown must not.
    const styles = vi.spyOn(window, 'getComputedStyle');
    const { rerender } = render(tree);
    rerender(<>{tree}</>);
    expect(styles).not.toHaveBeenCalled();
    styles.mockRestore();
    const button = screen.getByRole('button', { name: 'Dark theme' });
    expect(screen.queryByRole('tooltip')).toBeNull();
    expect(document.querySelectorAll('.pf-v6-c-tooltip')).toHaveLength(0);

    await act(async () => {
      fireEvent.mouseEnter(button);
      await Promise.resolve();
    });
    expect((await screen.findByRole('tooltip')).textContent).toBe('Dark theme');
    fireEvent.mouseLeave(button);
    expect(screen.queryByRole('tooltip')).toBeNull();
  });

  it('shows to a keyboard user on focus and hides on Escape and on blur', async () => {
    render(
      <LazyTooltip content="Notifications, 2 unread">
        <button type="button">Bell</button>
      </LazyTooltip>,
    );
    const button = screen.getByRole('button', { name: 'Bell' });
    act(() => {
      button.focus();
    });
    expect((await screen.findByRole('tooltip')).textContent).toBe('Notifications, 2 unread');
    fireEvent.keyDown(button, { key: 'Escape' });
    expect(screen.queryByRole('tooltip')).toBeNull();
    act(() => {
      button.blur();
      button.focus();
    });
    expect(await screen.findByRole('tooltip')).toBeTruthy();
    act(() => {
      button.blur();
    });
    expect(screen.queryByRole('tooltip')).toBeNull();
  });
});
