import {
  Button,
  EmptyState,
  EmptyStateActions,
  EmptyStateBody,
  EmptyStateFooter,
  PageSection,
} from '@patternfly/react-core';
import MapSignsIcon from '@patternfly/react-icons/dist/esm/icons/map-signs-icon';
import { useNavigate } from 'react-router';

export function NotFoundPage() {
  const navigate = useNavigate();
  return (
    <PageSection>
      <EmptyState headingLevel="h1" icon={MapSignsIcon} titleText="Page not found">
        <EmptyStateBody>
          There is no page at this address. It may have moved, or the link is mistyped.
        </EmptyStateBody>
        <EmptyStateFooter>
          <EmptyStateActions>
            <Button onClick={() => void navigate('/dashboard')}>Go to the dashboard</Button>
          </EmptyStateActions>
        </EmptyStateFooter>
      </EmptyState>
    </PageSection>
  );
}
