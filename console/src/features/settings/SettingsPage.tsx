// Settings: the seed's preferences (theme, table density, notifications, time zone, start page),
// each applied at once and saved to the account on change, and what this console is (build, API
// document). Admins also reach users, API keys and system settings from the tabs on top.
import {
  Button,
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Content,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  FormSelectOptionGroup,
  Grid,
  GridItem,
  HelperText,
  HelperTextItem,
  PageSection,
  Radio,
  Spinner,
  Switch,
  Title,
} from '@patternfly/react-core';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import ExternalLinkAltIcon from '@patternfly/react-icons/dist/esm/icons/external-link-alt-icon';
import { useMemo, type ReactNode } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../components/PageHeader';
import { formatTime } from '../../lib/format';
import { usePreferences, type Density, type Theme } from '../../lib/preferences';
import { SettingsTabs } from './SettingsTabs';
import { browserTimeZone, zoneGroups } from './zones';
import { useSave, type SaveState } from './useSave';
import './settings.css';

/** Beside each control: "Saving…", "Saved" or why it was not; announced politely. */
export function SaveStatus({ state }: { state: SaveState }) {
  return (
    <div className="payflow-settings-status" aria-live="polite">
      {state.kind === 'saving' && (
        <span className="payflow-settings-muted">
          <Spinner size="sm" aria-hidden="true" /> Saving…
        </span>
      )}
      {state.kind === 'saved' && (
        <span className="payflow-settings-saved">
          <CheckCircleIcon /> Saved
        </span>
      )}
      {state.kind === 'failed' && (
        <HelperText>
          <HelperTextItem variant="error">Not saved: {state.message}</HelperTextItem>
        </HelperText>
      )}
    </div>
  );
}

function SettingsCard({
  id,
  title,
  form = true,
  children,
}: {
  id: string;
  title: string;
  /** Controls sit in a form (saved on change, so it is never submitted). */
  form?: boolean;
  children: ReactNode;
}) {
  return (
    <Card component="section" aria-labelledby={id} isFullHeight>
      <CardHeader>
        <CardTitle>
          <Title headingLevel="h2" size="md" id={id}>
            {title}
          </Title>
        </CardTitle>
      </CardHeader>
      <CardBody>
        {form ? (
          <Form
            onSubmit={(e) => {
              e.preventDefault();
            }}
          >
            {children}
          </Form>
        ) : (
          children
        )}
      </CardBody>
    </Card>
  );
}

const THEMES: { value: Theme; label: string; description: string }[] = [
  { value: 'light', label: 'Light', description: 'Dark text on light backgrounds.' },
  { value: 'dark', label: 'Dark', description: 'Light text on dark backgrounds, easier at night.' },
  {
    value: 'system',
    label: 'Follow the system',
    description: 'Light or dark as your operating system is set, switching when it does.',
  },
];

const DENSITIES: { value: Density; label: string; description: string }[] = [
  { value: 'comfortable', label: 'Comfortable', description: 'Roomier rows, easier to scan.' },
  { value: 'compact', label: 'Compact', description: 'Tighter rows: more of a list on one screen.' },
];

function ThemeSetting() {
  const { preferences } = usePreferences();
  const [state, save] = useSave();
  return (
    <FormGroup role="radiogroup" fieldId="settings-theme" label="Theme" isStack>
      {THEMES.map((t) => (
        <Radio
          key={t.value}
          id={`settings-theme-${t.value}`}
          name="theme"
          label={t.label}
          description={t.description}
          isChecked={preferences.theme === t.value}
          onChange={() => {
            save({ theme: t.value });
          }}
        />
      ))}
      <SaveStatus state={state} />
    </FormGroup>
  );
}

function DensitySetting() {
  const { preferences } = usePreferences();
  const [state, save] = useSave();
  return (
    <FormGroup role="radiogroup" fieldId="settings-density" label="Table density" isStack>
      {DENSITIES.map((d) => (
        <Radio
          key={d.value}
          id={`settings-density-${d.value}`}
          name="density"
          label={d.label}
          description={d.description}
          isChecked={preferences.density === d.value}
          onChange={() => {
            save({ density: d.value });
          }}
        />
      ))}
      <SaveStatus state={state} />
    </FormGroup>
  );
}

function NotificationsSetting() {
  const { preferences } = usePreferences();
  const [state, save] = useSave();
  return (
    <FormGroup fieldId="settings-notifications" label="Alert toasts">
      <Switch
        id="settings-notifications"
        label="Show alert toasts"
        isChecked={preferences.notifications_enabled}
        aria-describedby="settings-notifications-help"
        onChange={(_e, checked) => {
          save({ notifications_enabled: checked });
        }}
      />
      <FormHelperText>
        <HelperText id="settings-notifications-help">
          <HelperTextItem>
            When on, a toast appears in the corner of the console as soon as a new high or critical alert is
            raised, whichever page you are on. Alerts are listed on the Alerts page either way.
          </HelperTextItem>
        </HelperText>
      </FormHelperText>
      <SaveStatus state={state} />
    </FormGroup>
  );
}

function TimeZoneSetting() {
  const { preferences } = usePreferences();
  const [state, save] = useSave();
  const browser = browserTimeZone();
  const groups = useMemo(() => zoneGroups(preferences.timezone), [preferences.timezone]);
  const now = useMemo(() => new Date(), []);
  return (
    <FormGroup fieldId="settings-timezone" label="Time zone">
      <FormSelect
        id="settings-timezone"
        value={preferences.timezone}
        aria-describedby="settings-timezone-help"
        onChange={(_e, value) => {
          save({ timezone: value });
        }}
      >
        {groups.map((g) => (
          <FormSelectOptionGroup key={g.region} label={g.region}>
            {g.zones.map((z) => (
              <FormSelectOption key={z.id} value={z.id} label={z.label} />
            ))}
          </FormSelectOptionGroup>
        ))}
      </FormSelect>
      <FormHelperText>
        <HelperText id="settings-timezone-help">
          <HelperTextItem>
            Every time in the console is shown in this zone, with UTC on hover. Now:{' '}
            <span className="payflow-tabular">{formatTime(now, { seconds: false })}</span>.
          </HelperTextItem>
        </HelperText>
      </FormHelperText>
      <Button
        variant="link"
        isInline
        className="payflow-settings-browser-zone"
        isDisabled={preferences.timezone === browser}
        onClick={() => {
          save({ timezone: browser });
        }}
      >
        Use my browser&apos;s time zone ({browser})
      </Button>
      <SaveStatus state={state} />
    </FormGroup>
  );
}

/** The pages one may start on (the API's list, api/src/ops/users.ts LANDING_PAGES). */
export const LANDING_PAGES: { path: string; title: string }[] = [
  { path: '/dashboard', title: 'Dashboard' },
  { path: '/payments', title: 'Payments' },
  { path: '/alerts', title: 'Alerts' },
  { path: '/health', title: 'System health' },
  { path: '/rules', title: 'Rules' },
  { path: '/batch-jobs', title: 'Batch jobs' },
  { path: '/worker-pools', title: 'Worker pools' },
  { path: '/audit', title: 'Audit log' },
];

function LandingSetting() {
  const { preferences } = usePreferences();
  const [state, save] = useSave();
  return (
    <FormGroup fieldId="settings-landing" label="Start page">
      <FormSelect
        id="settings-landing"
        value={preferences.landing_page ?? '/dashboard'}
        aria-describedby="settings-landing-help"
        onChange={(_e, value) => {
          save({ landing_page: value });
        }}
      >
        {LANDING_PAGES.map((p) => (
          <FormSelectOption key={p.path} value={p.path} label={p.title} />
        ))}
      </FormSelect>
      <FormHelperText>
        <HelperText id="settings-landing-help">
          <HelperTextItem>Where the console opens after you sign in.</HelperTextItem>
        </HelperText>
      </FormHelperText>
      <SaveStatus state={state} />
    </FormGroup>
  );
}

function About() {
  return (
    <DescriptionList isHorizontal isCompact>
      <DescriptionListGroup>
        <DescriptionListTerm>Console build</DescriptionListTerm>
        <DescriptionListDescription>
          <code>{import.meta.env.MODE}</code>
        </DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>API reference</DescriptionListTerm>
        <DescriptionListDescription>
          <a href="/api/v1/openapi.json" target="_blank" rel="noreferrer">
            OpenAPI document <ExternalLinkAltIcon aria-label="(opens in a new tab)" />
          </a>
        </DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>Platform status</DescriptionListTerm>
        <DescriptionListDescription>
          <Link to="/health">System health</Link>
        </DescriptionListDescription>
      </DescriptionListGroup>
    </DescriptionList>
  );
}

export default function SettingsPage() {
  return (
    <>
      <PageHeader
        title="Settings"
        description="Your preferences: saved to your account as you change them and applied at once, on every device you sign in from."
      />
      <SettingsTabs />
      <PageSection>
        <Grid hasGutter>
          <GridItem md={6}>
            <SettingsCard id="settings-appearance" title="Appearance">
              <ThemeSetting />
              <DensitySetting />
            </SettingsCard>
          </GridItem>
          <GridItem md={6}>
            <div className="payflow-settings-stack">
              <SettingsCard id="settings-notifications-title" title="Notifications">
                <NotificationsSetting />
              </SettingsCard>
              <SettingsCard id="settings-timezone-title" title="Time zone">
                <TimeZoneSetting />
              </SettingsCard>
            </div>
          </GridItem>
          <GridItem md={6}>
            <SettingsCard id="settings-landing-title" title="Start page">
              <LandingSetting />
            </SettingsCard>
          </GridItem>
          <GridItem md={6}>
            <SettingsCard id="settings-about" title="About" form={false}>
              <Content component="p" className="payflow-settings-muted">
                The PayFlow console talks to the API on this origin.
              </Content>
              <About />
            </SettingsCard>
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}
