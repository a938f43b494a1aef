// The frame of every signed-in page: masthead (brand, global search, notifications badge, theme,
// user menu), the notifications drawer, the grouped navigation, breadcrumbs, the live-stream banner, and the routed page.
import {
  Breadcrumb,
  Button,
  BreadcrumbItem,
  Brand,
  DropdownItem,
  Masthead,
  MastheadBrand,
  MastheadContent,
  MastheadLogo,
  MastheadMain,
  MastheadToggle,
  Nav,
  NavGroup,
  NavItem,
  Page,
  PageSection,
  PageSidebar,
  PageSidebarBody,
  PageToggleButton,
  SkipToContent,
  Skeleton,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
} from '@patternfly/react-core';
import { lazy, memo, Suspense, useCallback, useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import CommentsIcon from '@patternfly/react-icons/dist/esm/icons/comments-icon';
import { Link, NavLink, Outlet, useLocation, matchPath } from 'react-router';
import { useOnboarding, useUpdateOnboarding } from '../../lib/onboarding';
import { usePreferences } from '../../lib/preferences';
import { Checklist } from '../onboarding/Checklist';
import { useMarkByRoute } from '../onboarding/useMarkByRoute';
import { TourProvider, useTour } from '../tour/TourProvider';
import { NAV, ROUTES } from '../routes';
import { AlertToasts } from './AlertToasts';
import { ErrorBoundary } from './ErrorBoundary';
import { GlobalSearch } from './GlobalSearch';
import { HelpMenu } from './HelpMenu';
import { LiveBanner } from './LiveBanner';
import { NotificationsBadge, NotificationsDrawer } from './Notifications';
import { ThemeToggle } from './ThemeToggle';
import { useSidebar } from './sidebar';
import { MerchantScopeBadge } from './MerchantScopeBadge';
import { UserMenu } from './UserMenu';

const MAIN_ID = 'payflow-main';

// The assistant's panel is its own chunk, fetched the first time it is opened.
const AssistantPanel = lazy(() => import('../../features/assistant/AssistantPanel'));

function currentRoute(pathname: string) {
  for (const r of ROUTES) {
    const m = matchPath(r.path, pathname);
    if (m) return { route: r, params: m.params };
  }
  return undefined;
}

// The frame renders when the path changes, never for a change of the query string alone (a
// filter typed on a page): the parts that read the location pass the path to memoised parts.

function Crumbs() {
  return <CrumbsOf pathname={useLocation().pathname} />;
}

const CrumbsOf = memo(function CrumbsOf({ pathname }: { pathname: string }) {
  const here = currentRoute(pathname);
  if (!here) return null;
  const parent = here.route.nav ? ROUTES.find((r) => r.path === here.route.nav) : undefined;
  const id = Object.values(here.params)[0];
  return (
    <Breadcrumb>
      <BreadcrumbItem
        render={({ className }) => (
          <Link className={className} to="/dashboard">
            PayFlow
          </Link>
        )}
      />
      {parent && (
        <BreadcrumbItem
          render={({ className }) => (
            <Link className={className} to={parent.path}>
              {parent.title}
            </Link>
          )}
        />
      )}
      <BreadcrumbItem isActive>{parent && id ? id : here.route.title}</BreadcrumbItem>
    </Breadcrumb>
  );
});

function useDocumentTitle() {
  const { pathname } = useLocation();
  const here = currentRoute(pathname);
  const id = here && Object.values(here.params)[0];
  const title = here ? `${id ?? here.route.title} · PayFlow` : 'PayFlow';
  useEffect(() => {
    document.title = title;
  }, [title]);
}

/** The effects of the path: the document's title, and the checklist items a visit ticks. */
function RouteEffects() {
  useDocumentTitle();
  useMarkByRoute();
  return null;
}

function Sidebar({ open, overlay, onDismiss }: { open: boolean; overlay: boolean; onDismiss: () => void }) {
  const { pathname } = useLocation();
  const active = currentRoute(pathname);
  // As an overlay, the sidebar closes when a page is opened from it, or when the page behind it is touched.
  useEffect(() => {
    onDismiss();
  }, [pathname, onDismiss]);
  useEffect(() => {
    if (!overlay || !open) return undefined;
    const main = document.getElementById(MAIN_ID);
    main?.addEventListener('mousedown', onDismiss);
    main?.addEventListener('touchstart', onDismiss, { passive: true });
    return () => {
      main?.removeEventListener('mousedown', onDismiss);
      main?.removeEventListener('touchstart', onDismiss);
    };
  }, [overlay, open, onDismiss]);
  return <SidebarNav activePath={active?.route.nav ?? active?.route.path} open={open} overlay={overlay} />;
}

const SidebarNav = memo(function SidebarNav({
  activePath,
  open,
  overlay,
}: {
  activePath: string | undefined;
  open: boolean;
  overlay: boolean;
}) {
  return (
    // PatternFly adds pf-m-expanded to an open overlay only when it manages the sidebar itself.
    <PageSidebar isSidebarOpen={open} className={overlay && open ? 'pf-m-expanded' : undefined}>
      <PageSidebarBody>
        <Nav aria-label="Console">
          {NAV.map((group) => (
            <NavGroup key={group.title} title={group.title}>
              {group.items.map((item) => (
                <NavItem
                  key={item.path}
                  // With \`to\`, PatternFly leaves the click alone; without it, it calls preventDefault
                  // first and the router's link never navigates.
                  to={item.path}
                  isActive={activePath === item.path}
                  component={({ className, ...rest }: { className?: string }) => (
                    <NavLink
                      {...rest}
                      to={item.path}
                      className={className}
                      data-tour-id={`nav-${item.path.slice(1)}`}
                    >
                      {item.title}
                    </NavLink>
                  )}
                >
                  {item.title}
                </NavItem>
              ))}
            </NavGroup>
          ))}
        </Nav>
      </PageSidebarBody>
    </PageSidebar>
  );
});

interface HeaderProps {
  navOpen: boolean;
  onToggleNav: () => void;
  drawerOpen: boolean;
  onToggleDrawer: () => void;
  assistantOpen: boolean;
  onToggleAssistant: () => void;
}

const Header = memo(function Header({
  navOpen,
  onToggleNav,
  drawerOpen,
  onToggleDrawer,
  assistantOpen,
  onToggleAssistant,
}: HeaderProps) {
  const { preferences, update } = usePreferences();
  const onboarding = useUpdateOnboarding();
  const tour = useTour();
  return (
    <Masthead>
      <MastheadMain>
        <MastheadToggle>
          <PageToggleButton
            isHamburgerButton
            aria-label="Navigation"
            isSidebarOpen={navOpen}
            onSidebarToggle={onToggleNav}
          />
        </MastheadToggle>
        <MastheadBrand>
          <MastheadLogo component={(props: object) => <Link {...props} to="/dashboard" />}>
            <Brand src="/favicon.svg" alt="" heights={{ default: '28px' }}>
              <source srcSet="/favicon.svg" />
            </Brand>
            <span className="payflow-brand-name">PayFlow</span>
          </MastheadLogo>
          {/* Beside the brand, where a phone has room too: whose merchants this console shows. */}
          <MerchantScopeBadge />
        </MastheadBrand>
      </MastheadMain>
      <MastheadContent>
        <Toolbar isFullHeight isStatic>
          <ToolbarContent>
            <ToolbarGroup
              variant="action-group-plain"
              align={{ default: 'alignEnd' }}
              gap={{ default: 'gapMd' }}
            >
              <ToolbarItem visibility={{ default: 'hidden', md: 'visible' }}>
                <GlobalSearch />
              </ToolbarItem>
              <ToolbarItem>
                <Button
                  variant="plain"
                  aria-label="Assistant"
                  aria-expanded={assistantOpen}
                  icon={<CommentsIcon />}
                  onClick={onToggleAssistant}
                  data-tour-id="assistant-button"
                />
              </ToolbarItem>
              <ToolbarItem>
                <NotificationsBadge expanded={drawerOpen} onToggle={onToggleDrawer} />
              </ToolbarItem>
              <ToolbarItem>
                <HelpMenu>
                  <DropdownItem key="tour" onClick={tour.start}>
                    Take the tour
                  </DropdownItem>
                  <DropdownItem
                    key="checklist"
                    onClick={() => void onboarding.mutateAsync({ dismissed: false })}
                  >
                    Getting-started checklist
                  </DropdownItem>
                </HelpMenu>
              </ToolbarItem>
              {/* On a phone the row has no room for it beside the account menu; Settings has the theme. */}
              <ToolbarItem visibility={{ default: 'hidden', md: 'visible' }}>
                <ThemeToggle theme={preferences.theme} onChange={(theme) => void update({ theme })} />
              </ToolbarItem>
              <ToolbarItem>
                <UserMenu />
              </ToolbarItem>
            </ToolbarGroup>
          </ToolbarContent>
        </Toolbar>
      </MastheadContent>
    </Masthead>
  );
});

function PageFallback() {
  return (
    <PageSection aria-busy="true">
      <Skeleton width="30%" fontSize="2xl" screenreaderText="Loading page" />
      <br />
      <Skeleton height="12rem" />
    </PageSection>
  );
}

function DashboardChecklist() {
  const tour = useTour();
  return <Checklist onTour={tour.running ? undefined : tour.start} />;
}

/** The routed page (the dashboard with its checklist above it), its errors kept to the page. */
function RoutedPage() {
  const { pathname } = useLocation();
  return (
    <ErrorBoundary resetKey={pathname}>
      <Suspense fallback={<PageFallback />}>
        {pathname === '/dashboard' ? <DashboardWithChecklist /> : <Outlet />}
      </Suspense>
    </ErrorBoundary>
  );
}

/**
 * The dashboard and its checklist appear together, once the checklist's state is known (it is
 * fetched with the dashboard's first data): a checklist arriving after the cards would push the
 * whole page down.
 */
function DashboardWithChecklist() {
  const onboarding = useOnboarding();
  if (onboarding.isPending) return <PageFallback />;
  return (
    <>
      <DashboardChecklist />
      <Outlet />
    </>
  );
}

export function AppShell() {
  const sidebar = useSidebar();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [assistantOpen, setAssistantOpen] = useState(false);
  // Mounted from the first opening on, so that the conversation survives closing the panel.
  const [assistantLoaded, setAssistantLoaded] = useState(false);
  const toggleDrawer = useCallback(() => {
    setDrawerOpen((open) => !open);
  }, []);
  const closeDrawer = useCallback(() => {
    setDrawerOpen(false);
  }, []);
  const toggleAssistant = useCallback(() => {
    setAssistantLoaded(true);
    setAssistantOpen((open) => !open);
  }, []);
  return (
    <TourProvider>
      <RouteEffects />
      <Page
        masthead={
          <Header
            navOpen={sidebar.open}
            onToggleNav={sidebar.toggle}
            drawerOpen={drawerOpen}
            onToggleDrawer={toggleDrawer}
            assistantOpen={assistantOpen}
            onToggleAssistant={toggleAssistant}
          />
        }
        notificationDrawer={<NotificationsDrawer onClose={closeDrawer} />}
        isNotificationDrawerExpanded={drawerOpen}
        sidebar={<Sidebar open={sidebar.open} overlay={sidebar.overlay} onDismiss={sidebar.dismiss} />}
        skipToContent={<SkipToContent href={`#${MAIN_ID}`}>Skip to content</SkipToContent>}
        mainContainerId={MAIN_ID}
        breadcrumb={<Crumbs />}
        banner={<LiveBanner />}
      >
        <AlertToasts />
        {assistantLoaded &&
          // On the body, over the page and its masthead (the page's main region is a stacking context).
          createPortal(
            <div hidden={!assistantOpen}>
              <Suspense fallback={null}>
                <AssistantPanel
                  onClose={() => {
                    setAssistantOpen(false);
                  }}
                />
              </Suspense>
            </div>,
            document.body,
          )}
        <RoutedPage />
      </Page>
    </TourProvider>
  );
}
