// The masthead's help menu: the help center and the article for the page shown.
import { Divider, DropdownItem, DropdownList, MenuToggle } from '@patternfly/react-core';
import QuestionCircleIcon from '@patternfly/react-icons/dist/esm/icons/question-circle-icon';
import { useState, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { LazyDropdown } from '../../components/LazyDropdown';

/** The toggle reads no location; the items, mounted only while the menu is open, do. */
export function HelpMenu({ children }: { children?: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <LazyDropdown
      isOpen={open}
      onOpenChange={setOpen}
      onSelect={() => {
        setOpen(false);
      }}
      popperProps={{ position: 'right' }}
      toggle={(ref) => (
        <MenuToggle
          ref={ref}
          variant="plain"
          icon={<QuestionCircleIcon />}
          isExpanded={open}
          aria-label="Help"
          data-tour-id="help-menu"
          onClick={() => {
            setOpen(!open);
          }}
        />
      )}
    >
      <HelpMenuItems>{children}</HelpMenuItems>
    </LazyDropdown>
  );
}

function HelpMenuItems({ children }: { children?: ReactNode }) {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  return (
    <DropdownList>
      <DropdownItem key="center" onClick={() => void navigate('/help')}>
        Help center
      </DropdownItem>
      <DropdownItem key="page" onClick={() => void navigate(`/help?for=${encodeURIComponent(pathname)}`)}>
        Help for this page
      </DropdownItem>
      {children && <Divider component="li" key="d1" />}
      {children}
    </DropdownList>
  );
}
