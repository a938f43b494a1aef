-- Parked events: a processor event that arrives before the state it needs (its predecessor is
-- still on its way: a replay of history, a redrive, a producer that reorders) or before its
-- payment exists waits here instead of being retried through SQS receives. It is parked in the
-- transaction that decided it (its SQS message is deleted after that commit), keyed by event id
-- so that any number of copies park once, and applied by the transaction that makes it
-- applicable: the worker applies a payment's parked events, in occurred_at order, right after
-- the event that moved the payment (recursively), and a sweeper re-decides those whose payment
-- moved some other way (an API command, the payment being created).
--
-- A parked event leaves only by being applied, by becoming impossible (the payment went where
-- the event can no longer apply), or by the horizon (PARK_HORIZON_SECONDS from parked_at, when
-- it was first parked; its occurred_at never counts). The last two are rejected like any other
-- event (processed_events 'rejected', an audit row) in the transaction that decides so, and the
-- row stays with status 'dead' until the sweeper has sent its body to the dead-letter queue with
-- dead_reason; then it is deleted.
create table parked_events (
  event_id           text        primary key,
  payment_id         text        not null,
  -- The payment's partition key, from its id: lookups touch one partition.
  payment_created_at timestamptz not null,
  type               text        not null,
  occurred_at        timestamptz not null,
  -- The message body as received (sent to the DLQ unchanged) and its SQS message id.
  body               text        not null,
  message_id         text,
  -- What it waits for: the state(s) that accept it, or 'payment' (the payment does not exist).
  waiting_for        text        not null,
  -- Why it could not apply when last decided (the state machine's words).
  reason             text        not null,
  parked_at          timestamptz not null default now(),
  -- The payment's version when it was last decided; null while the payment did not exist. The
  -- sweeper re-decides rows whose payment's version differs.
  seen_version       integer,
  status             text        not null default 'parked' check (status in ('parked', 'dead')),
  dead_reason        text,
  check ((status = 'dead') = (dead_reason is not null))
);
create index parked_events_payment on parked_events (payment_id, occurred_at);
create index parked_events_waiting on parked_events (parked_at) where status = 'parked';
create index parked_events_dead on parked_events (event_id) where status = 'dead';
