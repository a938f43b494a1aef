// What a signed-out visitor sees at `/`: what PayFlow does in one sentence, its features with
// small live-drawn miniatures of the real pages (no images to download), the tour and sign-in.
// Kept small: it is the first page a visitor loads.
import { Button, Flex, FlexItem, Label, Title } from '@patternfly/react-core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { ThemeToggle } from '../../app/shell/ThemeToggle';
import { useLocalTheme } from '../../lib/preferences';
import './landing.css';

const TOUR_NEXT = `/login?next=${encodeURIComponent('/dashboard?tour=start')}`;

function StateFlow() {
  const states = ['pending', 'authorized', 'captured', 'settled'];
  return (
    <div className="payflow-mini payflow-mini-flow" aria-hidden>
      {states.map((s, i) => (
        <span key={s}>
          <Label isCompact color={i === states.length - 1 ? 'green' : 'blue'}>
            {s}
          </Label>
          {i < states.length - 1 && <span className="payflow-mini-arrow">→</span>}
        </span>
      ))}
      <span className="payflow-mini-note">each event applied exactly once</span>
    </div>
  );
}

function PaymentRows() {
  const rows: [string, string, string, 'green' | 'blue' | 'red'][] = [
    ['pay_01J…7Q', '1,249.00 USD', 'settled', 'green'],
    ['pay_01J…8C', '86.40 EUR', 'captured', 'blue'],
    ['pay_01J…9K', '3.10 USD', 'failed', 'red'],
  ];
  return (
    <div className="payflow-mini payflow-mini-rows" aria-hidden>
      {rows.map(([id, amount, state, color]) => (
        <div key={id}>
          <code>{id}</code>
          <span>{amount}</span>
          <Label isCompact color={color}>
            {state}
          </Label>
        </div>
      ))}
    </div>
  );
}

function RuleSnippet() {
  return (
    <div className="payflow-mini" aria-hidden>
      <pre className="payflow-mini-code">{`{ "aggregate": "count",
  "group_by": "card_fingerprint",
  "window": "10m", "op": "gte", "value": 6 }`}</pre>
      <div className="payflow-mini-bars">
        {[2, 3, 1, 5, 9, 4, 2].map((h, i) => (
          <span key={i} style={{ height: `${String(h * 4)}px` }} />
        ))}
        <span className="payflow-mini-note">backtest: hits per day</span>
      </div>
    </div>
  );
}

function AlertQueue() {
  const alerts: [string, 'red' | 'orange' | 'yellow', string][] = [
    ['critical', 'red', 'card-testing · card_0666_0'],
    ['high', 'orange', 'large-payment · 2,500.00 USD'],
    ['medium', 'yellow', 'payer-burst · payer_0003'],
  ];
  return (
    <div className="payflow-mini payflow-mini-rows" aria-hidden>
      {alerts.map(([sev, color, text]) => (
        <div key={text}>
          <Label isCompact color={color}>
            {sev}
          </Label>
          <span>{text}</span>
        </div>
      ))}
    </div>
  );
}

function ScalingChart() {
  const backlog = [2, 6, 14, 22, 18, 9, 4, 2];
  return (
    <svg className="payflow-mini payflow-mini-svg" viewBox="0 0 160 60" aria-hidden>
      <polyline
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        points={backlog.map((b, i) => `${String(i * 22 + 4)},${String(56 - b * 2)}`).join(' ')}
      />
      {backlog.map((b, i) => (
        <rect
          key={i}
          x={i * 22}
          y={56 - Math.ceil(b / 5) * 8}
          width="8"
          height={Math.ceil(b / 5) * 8}
          rx="1"
        />
      ))}
    </svg>
  );
}

function AuditChain() {
  return (
    <div className="payflow-mini payflow-mini-rows" aria-hidden>
      <div>
        <code>#4812</code>
        <span>operator · payment.refunded</span>
      </div>
      <div>
        <code>#4813</code>
        <span>admin · rule.promoted</span>
      </div>
      <div>
        <Label isCompact color="green">
          chain verified
        </Label>
      </div>
    </div>
  );
}

const FEATURES: { title: string; text: string; mini: ReactNode }[] = [
  {
    title: 'Payments you can find',
    text: 'Filter millions of payments by state, amount, payer or time, and read each one’s timeline and audit trail.',
    mini: <PaymentRows />,
  },
  {
    title: 'One state machine, exactly once',
    text: 'Processor events from SQS move payments only along allowed transitions, once in effect, in order.',
    mini: <StateFlow />,
  },
  {
    title: 'Rules you can test first',
    text: 'Thresholds, blocklists and velocity checks, backtested over history and run in shadow before they act.',
    mini: <RuleSnippet />,
  },
  {
    title: 'An alert queue to work',
    text: 'Every alert says which rule version fired and the values it saw; acknowledge, assign and resolve.',
    mini: <AlertQueue />,
  },
  {
    title: 'Workers that scale with the queue',
    text: 'Worker pools follow the backlog and its drain rate; dead letters wait with their reason.',
    mini: <ScalingChart />,
  },
  {
    title: 'An audit log you can verify',
    text: 'Who changed what, why, before and after, in hash chains that show tampering. Rules, jobs and pools are also Kubernetes resources.',
    mini: <AuditChain />,
  },
];

export default function LandingPage() {
  const [theme, setTheme] = useLocalTheme();
  return (
    <div className="payflow-landing">
      <header className="payflow-landing-bar">
        <span className="payflow-landing-brand">
          <img src="/favicon.svg" alt="" width="28" height="28" /> PayFlow
        </span>
        <Flex gap={{ default: 'gapSm' }} alignItems={{ default: 'alignItemsCenter' }}>
          <ThemeToggle theme={theme} onChange={setTheme} />
          <Button variant="secondary" component={(props: object) => <Link {...props} to="/login" />}>
            Sign in
          </Button>
        </Flex>
      </header>
      <main>
        <section
          className="payflow-landing-section payflow-landing-hero"
          aria-labelledby="payflow-landing-title"
        >
          <Title headingLevel="h1" size="4xl" id="payflow-landing-title">
            The control plane for your payments
          </Title>
          <p className="payflow-landing-lead">
            PayFlow takes payments from API call to settlement, applies every processor event exactly once,
            catches fraud with rules you can backtest, and gives your operators one console for payments,
            alerts and the machinery behind them.
          </p>
          <Flex gap={{ default: 'gapMd' }}>
            <FlexItem>
              <Button size="lg" component={(props: object) => <Link {...props} to={TOUR_NEXT} />}>
                Take the tour
              </Button>
            </FlexItem>
            <FlexItem>
              <Button
                size="lg"
                variant="secondary"
                component={(props: object) => <Link {...props} to="/login" />}
              >
                Sign in
              </Button>
            </FlexItem>
          </Flex>
          <p className="payflow-landing-small">
            The tour follows one card-testing attack through the live demo: 23 steps for an admin, fewer for
            the roles that may not act on it.
          </p>
        </section>
        <section className="payflow-landing-section" aria-labelledby="payflow-landing-features">
          <Title headingLevel="h2" id="payflow-landing-features" className="pf-v6-screen-reader">
            Features
          </Title>
          <ul className="payflow-landing-features">
            {FEATURES.map((f) => (
              <li key={f.title}>
                {f.mini}
                <Title headingLevel="h3" size="lg">
                  {f.title}
                </Title>
                <p>{f.text}</p>
              </li>
            ))}
          </ul>
        </section>
      </main>
    </div>
  );
}
