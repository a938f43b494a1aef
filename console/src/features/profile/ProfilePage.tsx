// Profile: who you are signed in as (name, which you may change; email, role and what it may do,
// email verified, member since), your password, the sessions you are signed in with (sign one or
// every other out) and the Google / OpenID Connect identity linked to the account.
import {
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Grid,
  GridItem,
  Label,
  PageSection,
  Skeleton,
  Title,
} from '@patternfly/react-core';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import ExclamationTriangleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-triangle-icon';
import type { ReactNode } from 'react';
import { PageHeader } from '../../components/PageHeader';
import { ErrorState } from '../../components/ErrorState';
import { Timestamp } from '../../components/Timestamp';
import { useMe, type Me } from '../../lib/preferences';
import type { UserRole } from '../../lib/roles';
import { ChangePasswordForm } from './ChangePassword';
import { Identities } from './Identities';
import { NameForm } from './NameForm';
import { Sessions } from './Sessions';
import './profile.css';

export const ROLE_TEXT: Record<UserRole, { word: string; may: string }> = {
  none: {
    word: 'No access yet',
    may: 'An admin has to approve your account and grant a role before you can see anything.',
  },
  viewer: {
    word: 'Viewer',
    may: 'You can see payments, alerts, rules, batch jobs, the audit log and system health, and change your own settings, but not act on anything.',
  },
  operator: {
    word: 'Operator',
    may: 'You can see everything and act: create payments and run their commands (capture, refund, void …), acknowledge, assign and resolve alerts, and request or cancel batch jobs.',
  },
  admin: {
    word: 'Admin',
    may: 'You can do everything an operator can, and also create, change and delete rules, manage users and their roles, manage API keys and verify the audit chain.',
  },
};

function ProfileCard({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card component="section" aria-labelledby={id} isFullHeight>
      <CardHeader>
        <CardTitle>
          <Title headingLevel="h2" size="md" id={id}>
            {title}
          </Title>
        </CardTitle>
      </CardHeader>
      <CardBody>{children}</CardBody>
    </Card>
  );
}

function Item({ term, children }: { term: string; children: ReactNode }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

function Details({ me }: { me: Me }) {
  const role = ROLE_TEXT[me.role] as (typeof ROLE_TEXT)[UserRole] | undefined;
  return (
    <DescriptionList aria-label="Your account" className="pf-v6-u-mt-lg">
      <Item term="Email">
        {me.email}
        <p className="payflow-profile-role">You sign in with it; it is not changed here.</p>
      </Item>
      <Item term="Role">
        <Label color="blue">{role?.word ?? me.role}</Label>
        {role && <p className="payflow-profile-role">{role.may}</p>}
      </Item>
      <Item term="Email verified">
        {me.email_verified ? (
          <Label status="success" icon={<CheckCircleIcon />}>
            Verified
          </Label>
        ) : (
          <Label status="warning" icon={<ExclamationTriangleIcon />}>
            Not verified
          </Label>
        )}
      </Item>
      <Item term="Member since">
        <Timestamp value={me.created_at} />
      </Item>
    </DescriptionList>
  );
}

export default function ProfilePage() {
  const me = useMe();
  let account: ReactNode;
  if (me.isLoading) account = <Skeleton height="18rem" screenreaderText="Loading your account" />;
  else if (me.error || !me.data)
    account = (
      <ErrorState error={me.error} onRetry={() => void me.refetch()} title="Could not load your account" />
    );
  else
    account = (
      <>
        <NameForm key={me.data.name} name={me.data.name} />
        <Details me={me.data} />
      </>
    );
  return (
    <>
      <PageHeader
        title="Profile"
        description="Your account as PayFlow knows it, your password, and where you are signed in."
      />
      <PageSection>
        <Grid hasGutter>
          <GridItem lg={6}>
            <ProfileCard id="profile-account" title="Account">
              {account}
            </ProfileCard>
          </GridItem>
          <GridItem lg={6}>
            <ProfileCard id="profile-password" title="Change password">
              <ChangePasswordForm />
            </ProfileCard>
          </GridItem>
          <GridItem>
            <ProfileCard id="profile-sessions" title="Sessions">
              <Sessions />
            </ProfileCard>
          </GridItem>
          <GridItem lg={6}>
            <ProfileCard id="profile-identities" title="Linked identities">
              {me.data ? <Identities email={me.data.email} /> : null}
            </ProfileCard>
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}
