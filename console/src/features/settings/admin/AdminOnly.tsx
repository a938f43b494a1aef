// The admin sections of Settings for everybody else: what is here and who can use it, with no
// request the API would refuse anyway.
import { EmptyState, EmptyStateBody, PageSection } from '@patternfly/react-core';
import LockIcon from '@patternfly/react-icons/dist/esm/icons/lock-icon';
import type { ReactNode } from 'react';
import { useCan } from '../../../components/Guarded';
import { PageHeader } from '../../../components/PageHeader';
import { SettingsTabs } from '../SettingsTabs';
import '../settings.css';

export function AdminSection({
  title,
  description,
  actions,
  children,
}: {
  title: string;
  description: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  const admin = useCan('admin');
  return (
    <>
      <PageHeader title="Settings" description={description} actions={admin ? actions : undefined} />
      <SettingsTabs />
      <PageSection aria-label={title}>
        {admin ? (
          children
        ) : (
          <EmptyState
            headingLevel="h2"
            icon={LockIcon}
            titleText={`Only admins manage ${title.toLowerCase()}`}
          >
            <EmptyStateBody>
              Your role does not include this section. Ask an admin to change your role.
            </EmptyStateBody>
          </EmptyState>
        )}
      </PageSection>
    </>
  );
}
