-- The worker: applies a micro-batch of decided payment events in ONE round trip, each event in
-- its own subtransaction (a PL/pgSQL exception block is a savepoint), so that one bad event
-- rolls back only itself. The decisions (state machine, rules) are made in TypeScript from the
-- rows the worker locked earlier in the same transaction; this function only writes, with a
-- compare-and-set on (current_state, version) so a stale decision can never be applied.
--
-- Each element of p_items (jsonb array) is one event:
--   kind          'apply' | 'reject' | 'ignore'
--   event_id, payment_id, created_at (payment's), reason
--   apply only:   type, from_state, to_state, expected_version, refunded_minor, refund_minor,
--                 flagged, held, occurred_at, data, before, after (only the fields that differ
--                 from before: the payment after is `before || after`), outbox ({topic}; the
--                 payload {event_id, type, from_state, payment} is built here), notify,
--                 hits: [{rule_id, mode, action, acted, reasons, alert?: {id, severity, title,
--                         message, details, dedupe_key}, audit?: {action, reason}}]
-- Returns one row per element: ord (0-based), status ('applied' | 'rejected' | 'ignored' |
-- 'duplicate' | 'conflict' | 'error'), sqlstate, message.

create function worker_apply_events(p_items jsonb, p_actor text)
returns table (ord integer, status text, sql_state text, message text)
language plpgsql as $$
declare
  it jsonb;
  i integer := 0;
  prior text;
begin
  -- Every audit chain head, in order, up front: the events below append to chains in any
  -- order, and two batches taking chains in different orders would deadlock.
  perform 1 from audit_chain_heads order by chain for update;
  for it in select value from jsonb_array_elements(p_items) loop
    ord := i; sql_state := null; message := null; prior := null;
    begin
      insert into processed_events as pe (event_id, payment_id, outcome, reason)
      values (it->>'event_id', it->>'payment_id',
              case it->>'kind' when 'apply' then 'applied' when 'reject' then 'rejected' else 'ignored' end,
              it->>'reason')
      on conflict (event_id) do update
        set outcome = excluded.outcome, reason = excluded.reason, processed_at = now(),
            payment_id = excluded.payment_id
        where pe.outcome = 'rejected'
      returning 'new' into prior;
      if prior is null then
        status := 'duplicate';
      elsif it->>'kind' = 'apply' then
        perform worker_apply_one(it, p_actor);
        status := 'applied';
      elsif it->>'kind' = 'reject' then
        perform audit_append(it->>'audit_id', 'worker', p_actor, 'payment.event_rejected',
          case when it->>'payment_id' is null then 'event' else 'payment' end,
          coalesce(it->>'payment_id', it->>'event_id'), null, it->'body', it->>'reason', null, it->>'event_id');
        status := 'rejected';
      else
        status := 'ignored';
      end if;
    exception
      when sqlstate 'PF409' then
        status := 'conflict'; sql_state := 'PF409'; message := sqlerrm;
      when others then
        status := 'error'; sql_state := sqlstate; message := sqlerrm;
    end;
    i := i + 1;
    return next;
  end loop;
end $$;

create function worker_apply_one(it jsonb, p_actor text) returns void
language plpgsql as $$
declare
  h jsonb;
begin
  update payments
     set current_state = it->>'to_state',
         refunded_minor = (it->>'refunded_minor')::bigint,
         version = version + 1,
         updated_at = (it->>'updated_at')::timestamptz,
         flagged = (it->>'flagged')::boolean,
         held = (it->>'held')::boolean
   where id = it->>'payment_id' and created_at = (it->>'created_at')::timestamptz
     and current_state = it->>'from_state' and version = (it->>'expected_version')::integer;
  if not found then
    raise exception 'payment % changed since it was read', it->>'payment_id' using errcode = 'PF409';
  end if;
  insert into payment_events (id, event_id, payment_id, payment_created_at, type, from_state, to_state,
                              amount_minor, source, occurred_at, data)
  values (it->>'row_id', it->>'event_id', it->>'payment_id', (it->>'created_at')::timestamptz, it->>'type',
          it->>'from_state', it->>'to_state', nullif(it->>'refund_minor', '0')::bigint, 'sqs',
          (it->>'occurred_at')::timestamptz, coalesce(it->'data', '{}'::jsonb));
  perform audit_append(it->>'audit_id', 'worker', p_actor, it->>'type', 'payment', it->>'payment_id',
                       it->'before', (it->'before') || (it->'after'), it->>'reason', null, it->>'event_id');
  insert into outbox (topic, aggregate_id, event_type, payload)
  values (it->'outbox'->>'topic', it->>'payment_id', it->>'type',
          jsonb_build_object('event_id', it->>'event_id', 'type', it->>'type', 'from_state', it->>'from_state',
                             'payment', (it->'before') || (it->'after')));
  perform pg_notify(it->>'notify_channel', it->>'notify');
  for h in select value from jsonb_array_elements(coalesce(it->'hits', '[]'::jsonb)) loop
    insert into rule_hits (rule_id, payment_id, event_id, mode, action, acted, reasons)
    values (h->>'rule_id', it->>'payment_id', it->>'event_id', h->>'mode', h->>'action',
            (h->>'acted')::boolean, coalesce(h->'reasons', '[]'::jsonb));
    perform worker_rule_effect(it, h, p_actor);
  end loop;
end $$;

-- What an acted rule hit does besides its rule_hits row: an alert (one per rule and payment)
-- and the audit of a flag or hold (the payment row itself was updated with the transition).
create function worker_rule_effect(it jsonb, h jsonb, p_actor text) returns void
language plpgsql as $$
declare
  a jsonb := h->'alert';
  made text;
begin
  if a is not null then
    insert into alerts (id, rule_id, payment_id, severity, title, message, details, dedupe_key)
    values (a->>'id', h->>'rule_id', it->>'payment_id', a->>'severity', a->>'title',
            coalesce(a->>'message', ''), coalesce(a->'details', '{}'::jsonb), a->>'dedupe_key')
    on conflict (dedupe_key) do nothing
    returning id into made;
    if made is not null then
      perform audit_append(a->>'audit_id', 'worker', p_actor, 'alert.created', 'alert', made,
                           null, a, a->>'title', null, it->>'event_id');
    end if;
  end if;
  if h->'audit' is not null then
    perform audit_append(h->'audit'->>'id', 'worker', p_actor, h->'audit'->>'action', 'payment',
                         it->>'payment_id', h->'audit'->'before', h->'audit'->'after',
                         h->'audit'->>'reason', null, it->>'event_id');
  end if;
end $$;

-- Appends many audit rows (in order) exactly as audit_append would, one at a time, but with
-- the chain heads read once and written once and the rows inserted in one statement.
create function worker_audit_many(p_rows audit_log[]) returns void
language plpgsql as $$
declare
  -- p_rows: the rows in order, with chain, chain_seq, occurred_at, prev_hash and hash to be
  -- filled in here (records, not jsonb: no JSON made and parsed again per row).
  h audit_chain_heads;
  c smallint;
  rec audit_log;
  n integer := coalesce(array_length(p_rows, 1), 0);
  seqs bigint[] := array_fill(0::bigint, array[8]);
  hashes text[] := array_fill(''::text, array[8]);
  touched boolean[] := array_fill(false, array[8]);
begin
  if n = 0 then
    return;
  end if;
  for h in select * from audit_chain_heads order by chain for update loop
    seqs[h.chain + 1] := h.seq;
    hashes[h.chain + 1] := h.last_hash;
  end loop;
  for i in 1 .. n loop
    rec := p_rows[i];
    c := (abs(hashtext(rec.resource_type || ':' || rec.resource_id)) % 8)::smallint;
    rec.chain := c;
    rec.chain_seq := seqs[c + 1] + 1;
    rec.occurred_at := clock_timestamp();
    rec.prev_hash := hashes[c + 1];
    rec.hash := encode(sha256(convert_to(audit_row_text(rec), 'UTF8')), 'hex');
    seqs[c + 1] := rec.chain_seq;
    hashes[c + 1] := rec.hash;
    touched[c + 1] := true;
    p_rows[i] := rec;
  end loop;
  insert into audit_log select * from unnest(p_rows);
  update audit_chain_heads set seq = seqs[chain + 1], last_hash = hashes[chain + 1]
   where touched[chain + 1];
end $$;

-- The fast path: the same writes for the whole batch in set-based statements. It raises when
-- any event would not go through (a duplicate key, a stale compare-and-set, a constraint);
-- the caller then rolls back to its savepoint and uses worker_apply_events, one
-- subtransaction per event. Items: as above, plus `ord` (decision order); the last `apply`
-- item of each payment has last_of_payment, and first_from / first_version: the state and
-- version the payment's first event in the batch was decided on (the compare-and-set).
create type worker_batch_item as (
  ord integer, kind text, event_id text, payment_id text, created_at timestamptz, type text,
  from_state text, to_state text, expected_version integer, refunded_minor bigint,
  refund_minor bigint, updated_at timestamptz, flagged boolean, held boolean,
  occurred_at timestamptz, reason text, data jsonb, row_id text, audit_id text, before jsonb,
  after jsonb, outbox jsonb, notify_channel text, notify text, hits jsonb, body jsonb,
  last_of_payment boolean, first_from text, first_version integer
);

create function worker_apply_batch(p_items jsonb, p_actor text) returns void
language plpgsql as $$
declare
  n_items integer := jsonb_array_length(p_items);
  n integer;
  n_pay integer;
  all_items worker_batch_item[] := array(select jsonb_populate_recordset(null::worker_batch_item, p_items));
begin
  perform 1 from audit_chain_heads order by chain for update;

  insert into processed_events as pe (event_id, payment_id, outcome, reason)
  select event_id, payment_id,
         case kind when 'apply' then 'applied' when 'reject' then 'rejected' else 'ignored' end, reason
    from unnest(all_items) items order by ord
  on conflict (event_id) do update
    set outcome = excluded.outcome, reason = excluded.reason, processed_at = now(),
        payment_id = excluded.payment_id
    where pe.outcome = 'rejected';
  get diagnostics n = row_count;
  if n <> n_items then
    raise exception 'duplicate events in batch' using errcode = 'PF410';
  end if;

  select count(*) into n_pay from unnest(all_items) items where kind = 'apply' and last_of_payment;
  if n_pay > 0 then
    -- EXECUTE: planned with the batch's creation times, so only their partitions are touched.
    execute 'update payments p
                set current_state = v.to_state, refunded_minor = v.refunded_minor,
                    version = v.expected_version + 1, updated_at = v.updated_at,
                    flagged = v.flagged, held = v.held
               from unnest($3::worker_batch_item[]) v
              where v.kind = ''apply'' and v.last_of_payment
                and p.id = v.payment_id and p.created_at = v.created_at
                and p.created_at = any($1) and p.id = any($2)
                and p.current_state = v.first_from and p.version = v.first_version'
      using (select array_agg(distinct created_at) from unnest(all_items) items where kind = 'apply'),
            (select array_agg(payment_id) from unnest(all_items) items where kind = 'apply' and last_of_payment),
            all_items;
    get diagnostics n = row_count;
    if n <> n_pay then
      raise exception 'a payment changed since it was read' using errcode = 'PF409';
    end if;
  end if;

  insert into payment_events (id, event_id, payment_id, payment_created_at, type, from_state, to_state,
                              amount_minor, source, occurred_at, data)
  select row_id, event_id, payment_id, created_at, type, from_state, to_state,
         nullif(refund_minor, 0), 'sqs', occurred_at, coalesce(data, '{}'::jsonb)
    from unnest(all_items) items where kind = 'apply' order by ord;

  perform worker_audit_many(array(
    select row(x.id, 0, 0, null, 'worker', p_actor, x.action, x.resource_type, x.resource_id, x.before,
               x.after, x.reason, null, x.event_id, '', '')::audit_log
      from (
        select ord, audit_id as id, type as action, 'payment' as resource_type,
               payment_id as resource_id, before, before || after as after, reason, event_id
          from unnest(all_items) where kind = 'apply'
        union all
        select ord, audit_id, 'payment.event_rejected',
               case when payment_id is null then 'event' else 'payment' end,
               coalesce(payment_id, event_id), null, body, reason, event_id
          from unnest(all_items) where kind = 'reject'
      ) x
     order by x.ord));

  insert into outbox (topic, aggregate_id, event_type, payload)
  select outbox->>'topic', payment_id, type,
         jsonb_build_object('event_id', event_id, 'type', type, 'from_state', from_state,
                            'payment', before || after)
    from unnest(all_items) items where kind = 'apply' order by ord;
  perform pg_notify(notify_channel, notify) from unnest(all_items) items where kind = 'apply';

  perform worker_rule_effect(to_jsonb(i), h.value, p_actor)
     from unnest(all_items) i, jsonb_array_elements(coalesce(i.hits, '[]'::jsonb)) h
    where i.kind = 'apply';
  insert into rule_hits (rule_id, payment_id, event_id, mode, action, acted, reasons)
  select h.value->>'rule_id', i.payment_id, i.event_id, h.value->>'mode', h.value->>'action',
         (h.value->>'acted')::boolean, coalesce(h.value->'reasons', '[]'::jsonb)
    from unnest(all_items) i, jsonb_array_elements(coalesce(i.hits, '[]'::jsonb)) h
   where i.kind = 'apply';
end $$;

-- Windowed aggregates for rules: the covering indexes let count / sum over a window by payer,
-- merchant or card fingerprint run as index-only scans.
create index payments_payer_window    on payments (payer_id, created_at) include (amount_minor, currency);
create index payments_merchant_window on payments (merchant_id, created_at) include (amount_minor, currency);
create index payments_card_window     on payments (card_fingerprint, created_at) include (amount_minor, currency)
  where card_fingerprint is not null;

-- Replay and reconcile walk events by time.
create index payment_events_occurred on payment_events (occurred_at, id);
-- The outbox relay keeps per-aggregate order: is an older row of this aggregate unpublished?
create index outbox_unpublished_aggregate on outbox (aggregate_id, id) where published_at is null;
-- Rules are re-read when one changes.
create index rules_updated on rules (updated_at desc);
