// What an account without a role sees instead of the console: it exists and is signed in, and an
// admin has to approve it and grant a role (Settings → Users) before it can see anything.
import { Alert, Button } from '@patternfly/react-core';
import { useUser, useAuth } from '../../lib/auth';
import { AccessLayout } from './AccessLayout';

export default function PendingApprovalPage() {
  const user = useUser();
  const { signOut } = useAuth();
  return (
    <AccessLayout title="Waiting for approval" subtitle={`Signed in as ${user.email}`}>
      <Alert variant="info" isInline title="Your account has no access yet">
        An administrator has to approve it and give it a role before you can see payments, alerts or anything
        else. Ask your PayFlow administrator; once they have, reload this page.
      </Alert>
      <Button
        variant="secondary"
        isBlock
        className="pf-v6-u-mt-lg"
        onClick={() => {
          window.location.reload();
        }}
      >
        Check again
      </Button>
      <Button variant="link" isBlock className="pf-v6-u-mt-sm" onClick={() => void signOut()}>
        Sign out
      </Button>
    </AccessLayout>
  );
}
