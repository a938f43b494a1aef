import { Divider, DropdownItem, DropdownList, MenuToggle } from '@patternfly/react-core';
import UserIcon from '@patternfly/react-icons/dist/esm/icons/user-icon';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useAuth } from '../../lib/auth';
import { LazyDropdown } from '../../components/LazyDropdown';

/**
 * The account menu. The toggle reads no location: the router's navigate (which renders its
 * caller on every change of the address, query string included) is taken by the items, which
 * exist only while the menu is open.
 */
export function UserMenu() {
  const { user } = useAuth();
  const [open, setOpen] = useState(false);
  if (!user) return null;
  return (
    <LazyDropdown
      isOpen={open}
      onOpenChange={setOpen}
      popperProps={{ position: 'right' }}
      toggle={(ref) => (
        <MenuToggle
          ref={ref}
          variant="plain"
          icon={<UserIcon />}
          isExpanded={open}
          aria-label={`Account: ${user.name || user.email}`}
          onClick={() => {
            setOpen(!open);
          }}
        >
          <span className="pf-v6-u-display-none pf-v6-u-display-inline-on-lg">{user.name || user.email}</span>
        </MenuToggle>
      )}
    >
      <UserMenuItems />
    </LazyDropdown>
  );
}

function UserMenuItems() {
  const { user, signOut } = useAuth();
  const navigate = useNavigate();
  if (!user) return null;
  return (
    <DropdownList>
      <DropdownItem isDisabled description={`${user.email} · ${user.role}`} key="who">
        {user.name || user.email}
      </DropdownItem>
      <Divider component="li" key="d1" />
      <DropdownItem key="profile" onClick={() => void navigate('/profile')}>
        Profile
      </DropdownItem>
      <DropdownItem key="settings" onClick={() => void navigate('/settings')}>
        Settings
      </DropdownItem>
      <Divider component="li" key="d2" />
      <DropdownItem
        key="signout"
        onClick={() => {
          void signOut().finally(() => void navigate('/login'));
        }}
      >
        Sign out
      </DropdownItem>
    </DropdownList>
  );
}
