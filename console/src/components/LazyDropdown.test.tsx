import { DropdownItem, DropdownList, MenuToggle } from '@patternfly/react-core';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { LazyDropdown } from './LazyDropdown';

function Menu({ onPick }: { onPick: (what: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <div>
      <LazyDropdown
        isOpen={open}
        onOpenChange={setOpen}
        onSelect={() => {
          setOpen(false);
        }}
        toggle={(ref) => (
          <MenuToggle
            ref={ref}
            isExpanded={open}
            onClick={() => {
              setOpen(!open);
            }}
          >
            Actions
          </MenuToggle>
        )}
      >
        <DropdownList>
          <DropdownItem
            onClick={() => {
              onPick('export');
            }}
          >
            Export
          </DropdownItem>
        </DropdownList>
      </LazyDropdown>
      <p>Elsewhere</p>
    </div>
  );
}

describe('LazyDropdown', () => {
  it('renders only its toggle until the first opening, and keeps the same toggle once the menu exists', async () => {
    const user = userEvent.setup();
    const onPick = vi.fn();
    // PatternFly's Popper reads the toggle's computed style at each render; a closed menu that
    // was never opened must not, however often the page renders it again.
    const styles = vi.spyOn(window, 'getComputedStyle');
    const { rerender } = render(<Menu onPick={onPick} />);
    rerender(<Menu onPick={onPick} />);
    rerender(<Menu onPick={onPick} />);
    expect(styles).not.toHaveBeenCalled();
    styles.mockRestore();
    const toggle = screen.getByRole('button', { name: 'Actions' });
    expect(screen.queryByRole('menu')).toBeNull();

    await user.click(toggle);
    expect(await screen.findByRole('menuitem', { name: 'Export' })).toBeTruthy();
    // The button pressed is still the page's toggle, with the focus.
    expect(screen.getByRole('button', { name: 'Actions' })).toBe(toggle);
    expect(document.activeElement).toBe(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');

    await user.click(screen.getByRole('menuitem', { name: 'Export' }));
    expect(onPick).toHaveBeenCalledWith('export');
    await waitFor(() => {
      expect(screen.queryByRole('menuitem', { name: 'Export' })).toBeNull();
    });
  });

  it('closes on Escape with the focus back on the toggle, and on a click elsewhere', async () => {
    const user = userEvent.setup();
    render(<Menu onPick={vi.fn()} />);
    const toggle = screen.getByRole('button', { name: 'Actions' });
    toggle.focus();
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('menuitem', { name: 'Export' })).toBeTruthy();
    await user.keyboard('{Escape}');
    await waitFor(() => {
      expect(screen.queryByRole('menuitem', { name: 'Export' })).toBeNull();
    });
    expect(document.activeElement).toBe(toggle);

    await user.click(toggle);
    expect(await screen.findByRole('menuitem', { name: 'Export' })).toBeTruthy();
    await user.click(screen.getByText('Elsewhere'));
    await waitFor(() => {
      expect(screen.queryByRole('menuitem', { name: 'Export' })).toBeNull();
    });
  });
});
