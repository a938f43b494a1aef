// The first-steps checklist, on the dashboard until the user closes it (the help menu brings it
// back). Items tick themselves when the user does the thing; each links to where it is done.
import {
  Button,
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Content,
  Flex,
  FlexItem,
  PageSection,
  Progress,
  ProgressSize,
} from '@patternfly/react-core';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import OutlinedCircleIcon from '@patternfly/react-icons/dist/esm/icons/outlined-circle-icon';
import { Link } from 'react-router';
import { useOnboarding, useUpdateOnboarding, type OnboardingItemId } from '../../lib/onboarding';

const ITEMS: Record<OnboardingItemId, { title: string; hint: string; to: string }> = {
  set_preferences: { title: 'Set your preferences', hint: 'Theme, time zone, start page.', to: '/settings' },
  find_payment: { title: 'Find a payment', hint: 'Filter the explorer and open one.', to: '/payments' },
  review_alert: { title: 'Read an alert', hint: 'See why a rule fired.', to: '/alerts' },
  work_alert: { title: 'Work an alert', hint: 'Acknowledge, assign or resolve one.', to: '/alerts' },
  backtest_rule: {
    title: 'Backtest a rule',
    hint: 'Try a condition over stored payments.',
    to: '/rules/new',
  },
  create_rule: { title: 'Create a rule', hint: 'Build a condition and save it.', to: '/rules/new' },
  invite_teammate: {
    title: 'Bring in a teammate',
    hint: 'Invite someone or give them a role.',
    to: '/settings/users',
  },
};

export function Checklist({ onTour }: { onTour?: () => void }) {
  const q = useOnboarding();
  const update = useUpdateOnboarding();
  const state = q.data;
  if (!state || state.dismissed) return null;
  const done = state.items.filter((i) => i.done).length;
  return (
    <PageSection className="payflow-checklist-section">
      <Card component="section" aria-labelledby="payflow-checklist-title" data-tour-id="checklist">
        <CardHeader
          actions={{
            actions: (
              <Button variant="link" isInline onClick={() => void update.mutateAsync({ dismissed: true })}>
                {state.completed ? 'Close' : 'Hide the checklist'}
              </Button>
            ),
          }}
        >
          <CardTitle id="payflow-checklist-title" component="h2">
            {state.completed ? 'All set: you know your way around' : 'Getting started'}
          </CardTitle>
        </CardHeader>
        <CardBody>
          <Progress
            value={(done / Math.max(1, state.items.length)) * 100}
            title={`${String(done)} of ${String(state.items.length)} done`}
            size={ProgressSize.sm}
          />
          <ul className="payflow-checklist" aria-label="First steps">
            {state.items.map((item) => {
              const meta = ITEMS[item.id];
              return (
                <li key={item.id} data-done={item.done}>
                  {item.done ? (
                    <CheckCircleIcon className="payflow-checklist-done" aria-hidden />
                  ) : (
                    <OutlinedCircleIcon className="pf-v6-u-text-color-subtle" aria-hidden />
                  )}
                  <span>
                    <Link to={meta.to}>{meta.title}</Link>
                    <span className="pf-v6-screen-reader">{item.done ? ' (done)' : ' (to do)'}</span>
                    <span className="pf-v6-u-text-color-subtle"> — {meta.hint}</span>
                  </span>
                </li>
              );
            })}
          </ul>
          <Flex
            className="pf-v6-u-mt-sm"
            gap={{ default: 'gapMd' }}
            alignItems={{ default: 'alignItemsCenter' }}
          >
            {onTour && (
              <FlexItem>
                <Button variant="secondary" size="sm" onClick={onTour} data-tour-id="checklist-tour">
                  {state.tour.status === 'running' ? 'Continue the tour' : 'Take the tour'}
                </Button>
              </FlexItem>
            )}
            <FlexItem>
              <Content component="small">Items tick themselves as you do them.</Content>
            </FlexItem>
          </Flex>
        </CardBody>
      </Card>
    </PageSection>
  );
}
