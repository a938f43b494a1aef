// The sections of Settings: your preferences, and for admins the users, API keys and system
// settings. A sub-navigation of links (each section has its own URL); for others the admin
// sections are shown disabled with a tooltip that says why, as every action a role may not take.
import { Nav, NavItem, NavList, PageSection, Tooltip } from '@patternfly/react-core';
import { Link, useLocation } from 'react-router';
import { useCan } from '../../components/Guarded';
import { needsRole } from '../../lib/roles';

export const SECTIONS = [
  { path: '/settings', title: 'Preferences', admin: false },
  { path: '/settings/users', title: 'Users', admin: true },
  { path: '/settings/api-keys', title: 'API keys', admin: true },
  { path: '/settings/system', title: 'System', admin: true },
] as const;

function Locked({ title }: { title: string }) {
  return (
    <li className="pf-v6-c-nav__item">
      <Tooltip content={needsRole('admin')}>
        <span
          className="pf-v6-c-nav__link payflow-settings-locked"
          role="link"
          aria-disabled="true"
          tabIndex={0}
        >
          {title}
        </span>
      </Tooltip>
    </li>
  );
}

export function SettingsTabs() {
  const { pathname } = useLocation();
  const admin = useCan('admin');
  return (
    <PageSection type="subnav">
      <Nav variant="horizontal-subnav" aria-label="Settings sections">
        <NavList>
          {SECTIONS.map((s) =>
            s.admin && !admin ? (
              <Locked key={s.path} title={s.title} />
            ) : (
              <NavItem
                key={s.path}
                to={s.path}
                isActive={pathname === s.path}
                component={({ className, ...rest }: { className?: string }) => (
                  <Link {...rest} to={s.path} className={className}>
                    {s.title}
                  </Link>
                )}
              >
                {s.title}
              </NavItem>
            ),
          )}
        </NavList>
      </Nav>
    </PageSection>
  );
}
