import { ToggleGroup, ToggleGroupItem } from '@patternfly/react-core';
import DesktopIcon from '@patternfly/react-icons/dist/esm/icons/desktop-icon';
import MoonIcon from '@patternfly/react-icons/dist/esm/icons/moon-icon';
import SunIcon from '@patternfly/react-icons/dist/esm/icons/sun-icon';
import { LazyTooltip } from '../../components/LazyTooltip';
import type { Theme } from '../../lib/preferences';

const OPTIONS: { value: Theme; label: string; Icon: typeof SunIcon }[] = [
  { value: 'light', label: 'Light theme', Icon: SunIcon },
  { value: 'dark', label: 'Dark theme', Icon: MoonIcon },
  { value: 'system', label: 'Follow the system theme', Icon: DesktopIcon },
];

export function ThemeToggle({ theme, onChange }: { theme: Theme; onChange: (t: Theme) => void }) {
  return (
    <ToggleGroup aria-label="Theme" isCompact>
      {OPTIONS.map(({ value, label, Icon }) => (
        <LazyTooltip key={value} content={label}>
          <ToggleGroupItem
            icon={<Icon />}
            aria-label={label}
            isSelected={theme === value}
            onChange={() => {
              onChange(value);
            }}
          />
        </LazyTooltip>
      ))}
    </ToggleGroup>
  );
}
