-- Payments and everything that must commit with a change to one: events,
-- processed-event keys (exactly-once), the outbox, idempotency keys and the
-- hash-chained audit log.

-- Payments are partitioned by month on created_at. created_at is the
-- timestamp embedded in the payment's ULID id, so a lookup by id alone can
-- name its partition (see idTimestamp in api/src/domain/ids.ts).
create table payments (
  id               text        not null,
  created_at       timestamptz not null,
  updated_at       timestamptz not null default now(),
  merchant_id      text        not null check (length(merchant_id) between 1 and 128),
  payer_id         text        not null check (length(payer_id) between 1 and 128),
  amount_minor     bigint      not null check (amount_minor > 0),
  currency         text        not null check (currency ~ '^[A-Z]{3}$'),
  refunded_minor   bigint      not null default 0 check (refunded_minor >= 0 and refunded_minor <= amount_minor),
  current_state    text        not null check (current_state in (
                     'pending', 'authorized', 'captured', 'settled', 'failed', 'voided',
                     'refunded', 'partially_refunded', 'disputed', 'charged_back')),
  version          integer     not null default 1,
  card_fingerprint text,
  country          text        check (country ~ '^[A-Z]{2}$'),
  flagged          boolean     not null default false,
  held             boolean     not null default false,
  metadata         jsonb       not null default '{}'::jsonb,
  primary key (id, created_at)
) partition by range (created_at);

create table payments_default partition of payments default;

-- Monthly partitions, made on demand: every partition costs every query that cannot prune at
-- plan time (prepared plans lock them all), so only months that hold or will soon hold payments
-- get one. The API keeps the next months ready (api/src/store/partitions.ts); loaders of history
-- call this for their range first. A month whose rows already sit in the default partition is
-- skipped (a partition cannot be created over them), never an error.
create function ensure_payment_partitions(from_month date, months integer) returns integer
language plpgsql as $$
declare
  m date := date_trunc('month', from_month)::date;
  made integer := 0;
  name text;
begin
  for i in 0 .. months - 1 loop
    name := format('payments_%s', to_char(m, 'YYYY_MM'));
    if to_regclass(name) is null and not exists (
      select 1 from payments_default where created_at >= m and created_at < (m + interval '1 month')
    ) then
      execute format('create table %I partition of payments for values from (%L) to (%L)',
                     name, m, (m + interval '1 month')::date);
      made := made + 1;
    end if;
    m := (m + interval '1 month')::date;
  end loop;
  return made;
end $$;

select ensure_payment_partitions((now() - interval '1 month')::date, 4);

create index payments_created      on payments (created_at desc, id desc);
create index payments_merchant     on payments (merchant_id, created_at desc, id desc);
create index payments_payer        on payments (payer_id, created_at desc, id desc);
create index payments_state        on payments (current_state, created_at desc, id desc);
create index payments_currency_amt on payments (currency, amount_minor);
create index payments_card         on payments (card_fingerprint, created_at desc) where card_fingerprint is not null;
create index payments_id           on payments (id);

-- Every state change of a payment, whatever its source.
create table payment_events (
  id                 text        primary key,
  event_id           text        not null,
  payment_id         text        not null,
  payment_created_at timestamptz not null,
  type               text        not null,
  from_state         text,
  to_state           text,
  amount_minor       bigint,
  source             text        not null check (source in ('api', 'sqs', 'batch', 'system')),
  occurred_at        timestamptz not null,
  recorded_at        timestamptz not null default now(),
  data               jsonb       not null default '{}'::jsonb
);
create index payment_events_payment on payment_events (payment_id, recorded_at);
create unique index payment_events_event on payment_events (event_id);

-- The exactly-once key: an event's own id, inserted in the same transaction as
-- its effect. outcome says what the event did (applied, or rejected with why).
create table processed_events (
  event_id     text        primary key,
  payment_id   text,
  outcome      text        not null check (outcome in ('applied', 'rejected', 'ignored')),
  reason       text,
  processed_at timestamptz not null default now()
);

-- Transactional outbox: rows committed with the change, published by the relay.
create table outbox (
  id            bigserial   primary key,
  topic         text        not null,
  aggregate_id  text        not null,
  event_type    text        not null,
  payload       jsonb       not null,
  created_at    timestamptz not null default now(),
  published_at  timestamptz,
  attempts      integer     not null default 0,
  last_error    text
);
create index outbox_unpublished on outbox (id) where published_at is null;

-- Idempotency keys (Stripe semantics), scoped to the caller's identity.
create table idempotency_keys (
  scope            text        not null,
  key              text        not null check (length(key) between 1 and 255),
  request_method   text        not null,
  request_path     text        not null,
  request_hash     text        not null,
  state            text        not null check (state in ('started', 'completed')),
  response_status  integer,
  response_body    jsonb,
  response_headers jsonb,
  locked_at        timestamptz,
  created_at       timestamptz not null default now(),
  expires_at       timestamptz not null default now() + interval '24 hours',
  primary key (scope, key)
);
create index idempotency_keys_expiry on idempotency_keys (expires_at);

-- Append-only, hash-chained audit log. Rows are spread over a few chains (by
-- resource) so that writers do not all queue on one lock; each chain is a
-- sequence whose every hash covers the row and the previous hash.
create table audit_chain_heads (
  chain      smallint primary key,
  seq        bigint   not null default 0,
  last_hash  text     not null
);
insert into audit_chain_heads (chain, last_hash)
select c, encode(sha256(convert_to('payflow-audit-genesis-' || c, 'UTF8')), 'hex')
from generate_series(0, 7) as c;

create table audit_log (
  id             text        primary key,
  chain          smallint    not null,
  chain_seq      bigint      not null,
  occurred_at    timestamptz not null default now(),
  actor_type     text        not null check (actor_type in ('user', 'api_key', 'system', 'worker', 'controller', 'anonymous')),
  actor_id       text,
  action         text        not null,
  resource_type  text        not null,
  resource_id    text        not null,
  before         jsonb,
  after          jsonb,
  reason         text,
  request_id     text,
  event_id       text,
  prev_hash      text        not null,
  hash           text        not null,
  unique (chain, chain_seq)
);
create index audit_log_resource on audit_log (resource_type, resource_id, occurred_at);
create index audit_log_time     on audit_log (occurred_at desc, id desc);
create index audit_log_actor    on audit_log (actor_id, occurred_at desc);
create index audit_log_action   on audit_log (action, occurred_at desc);

-- The canonical text a row's hash covers (jsonb prints keys in a fixed order).
create function audit_row_text(a audit_log) returns text
language sql immutable as $$
  select jsonb_build_object(
    'id', a.id, 'chain', a.chain, 'chain_seq', a.chain_seq,
    'occurred_at', to_char(a.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'actor_type', a.actor_type, 'actor_id', a.actor_id, 'action', a.action,
    'resource_type', a.resource_type, 'resource_id', a.resource_id,
    'before', a.before, 'after', a.after, 'reason', a.reason,
    'request_id', a.request_id, 'event_id', a.event_id, 'prev_hash', a.prev_hash)::text
$$;

-- Appends one audit row to its chain; call inside the transaction of the change.
create function audit_append(
  p_id text, p_actor_type text, p_actor_id text, p_action text,
  p_resource_type text, p_resource_id text, p_before jsonb, p_after jsonb,
  p_reason text, p_request_id text, p_event_id text
) returns audit_log
language plpgsql as $$
declare
  c smallint := (abs(hashtext(p_resource_type || ':' || p_resource_id)) % 8)::smallint;
  head audit_chain_heads;
  rec audit_log;
begin
  select * into head from audit_chain_heads where chain = c for update;
  rec := (p_id, c, head.seq + 1, clock_timestamp(), p_actor_type, p_actor_id, p_action,
          p_resource_type, p_resource_id, p_before, p_after, p_reason, p_request_id, p_event_id,
          head.last_hash, '')::audit_log;
  rec.hash := encode(sha256(convert_to(audit_row_text(rec), 'UTF8')), 'hex');
  insert into audit_log values (rec.*);
  update audit_chain_heads set seq = rec.chain_seq, last_hash = rec.hash where chain = c;
  return rec;
end $$;

-- The log is append-only: updates and deletes are refused.
create function audit_log_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end $$;
create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_immutable();

-- Walks every chain; returns the first rec whose hash or link is wrong, per chain.
create function audit_verify() returns table (chain smallint, rows_checked bigint, first_bad_id text, problem text)
language plpgsql stable as $$
declare
  c smallint;
  prev text;
  n bigint;
  r audit_log;
  bad_id text;
  why text;
begin
  for c in select h.chain from audit_chain_heads h order by h.chain loop
    prev := encode(sha256(convert_to('payflow-audit-genesis-' || c, 'UTF8')), 'hex');
    n := 0; bad_id := null; why := null;
    for r in select * from audit_log a where a.chain = c order by a.chain_seq loop
      n := n + 1;
      if r.chain_seq <> n then bad_id := r.id; why := 'sequence gap'; exit; end if;
      if r.prev_hash <> prev then bad_id := r.id; why := 'broken link'; exit; end if;
      if r.hash <> encode(sha256(convert_to(audit_row_text(r), 'UTF8')), 'hex') then
        bad_id := r.id; why := 'content changed'; exit;
      end if;
      prev := r.hash;
    end loop;
    if bad_id is null and prev <> (select h.last_hash from audit_chain_heads h where h.chain = c) then
      bad_id := null; why := 'rows missing at the end of the chain';
    end if;
    chain := c; rows_checked := n; first_bad_id := bad_id; problem := why;
    return next;
  end loop;
end $$;
