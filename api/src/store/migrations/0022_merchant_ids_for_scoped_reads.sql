-- Merchant ids where merchant-scoped reads need them, so that a scoped caller's query reads an
-- index of its own table rather than probing every payment partition per row.

-- The creation time a payment id names (its ULID timestamp, as api/src/payments/store.ts reads
-- it): a lookup by id and this time reads one partition. Null for an id not of that shape.
create function payment_created_at_of(p_id text) returns timestamptz
language plpgsql immutable strict parallel safe as $$
declare
  t bigint := 0;
begin
  if p_id !~ '^pay_[0-7][0-9A-HJKMNP-TV-Z]{25}$' then
    return null;
  end if;
  for i in 5..14 loop
    t := t * 32 + strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(p_id, i, 1)) - 1;
  end loop;
  return to_timestamp(t / 1000) + (t % 1000) * interval '1 millisecond';
end $$;

-- A payment's merchant by id, for the triggers below and alerts_merchant_of_payment (0019): from
-- the partition its id names; from every partition only when it is not there (no such payment,
-- or one loaded with a creation time of its own).
create function payment_merchant_of(p_id text) returns text
language plpgsql stable as $$
declare
  m text;
begin
  select p.merchant_id into m from payments p
   where p.id = p_id and p.created_at = payment_created_at_of(p_id);
  if not found then
    select p.merchant_id into m from payments p where p.id = p_id limit 1;
  end if;
  return m;
end $$;

create or replace function alerts_merchant_of_payment() returns trigger
language plpgsql as $$
begin
  if new.merchant_id is null and new.payment_id is not null then
    new.merchant_id := payment_merchant_of(new.payment_id);
  end if;
  return new;
end $$;

-- An audit row about a payment or an alert carries that payment's merchant: a scoped caller's
-- audit log (GET /api/v1/audit) is then an index range of its merchants, where it was a walk of
-- the whole log with a lookup of the payment in every partition per row (32× the unscoped page
-- over 1,000,000 payments: test/bench/scope.bench.ts). Not part of the row's hash (audit_row_text
-- names its fields); derived from the payment, like alerts.merchant_id.
alter table audit_log add column merchant_id text;
alter table audit_log disable trigger audit_log_no_update;
update audit_log l set merchant_id = p.merchant_id
  from payments p where l.resource_type = 'payment' and p.id = l.resource_id;
update audit_log l set merchant_id = a.merchant_id
  from alerts a where l.resource_type = 'alert' and a.id = l.resource_id;
alter table audit_log enable trigger audit_log_no_update;
create index audit_log_merchant_time on audit_log (merchant_id, occurred_at desc, id desc)
  where merchant_id is not null;

-- Writers that know the merchant (the worker, for the payments it applies) pass it; for any
-- other row about a payment or an alert it is looked up here (alerts by primary key).
create function audit_log_merchant() returns trigger
language plpgsql as $$
begin
  if new.merchant_id is null then
    if new.resource_type = 'payment' then
      new.merchant_id := payment_merchant_of(new.resource_id);
    elsif new.resource_type = 'alert' then
      select a.merchant_id into new.merchant_id from alerts a where a.id = new.resource_id;
    end if;
  end if;
  return new;
end $$;

create trigger audit_log_merchant before insert on audit_log
  for each row execute function audit_log_merchant();

-- audit_append (0002) makes its row with every column of audit_log, so it names the new one.
create or replace function audit_append(
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
          head.last_hash, '', null)::audit_log;
  rec.hash := encode(sha256(convert_to(audit_row_text(rec), 'UTF8')), 'hex');
  insert into audit_log values (rec.*) returning * into rec;
  update audit_chain_heads set seq = rec.chain_seq, last_hash = rec.hash where chain = c;
  return rec;
end $$;

-- A rule hit's merchant is its payment's, kept on the hit so that the rules' hit counters
-- (hits_24h and the hourly series) count only a scoped caller's merchants from the rule's own
-- index, without probing every payment partition per hit.
alter table rule_hits add column merchant_id text;
update rule_hits h set merchant_id = p.merchant_id from payments p where p.id = h.payment_id;

-- The counters read (rule_id, matched_at); the merchant rides in the index, so a scoped count is
-- the same index-only scan as an unscoped one, with the merchant as a filter.
drop index rule_hits_rule_time;
create index rule_hits_rule_time on rule_hits (rule_id, matched_at desc) include (merchant_id);

-- Writers that know the merchant (the worker) pass it; any other writer gets the payment's.
create function rule_hits_merchant_of_payment() returns trigger
language plpgsql as $$
begin
  if new.merchant_id is null then
    new.merchant_id := payment_merchant_of(new.payment_id);
  end if;
  return new;
end $$;

create trigger rule_hits_merchant_of_payment before insert on rule_hits
  for each row execute function rule_hits_merchant_of_payment();

-- The worker's batch (0008) and its rule effects (0007), unchanged but for the merchant: the
-- payment as read (`before`) names it, so neither the rule hit, the alert nor the payment's audit
-- row is looked up in every payment partition by a trigger.
create or replace function worker_apply_batch(p_items jsonb, p_actor text) returns void
language plpgsql as $$
declare
  n_items integer := jsonb_array_length(p_items);
  n integer;
  n_pay integer;
  all_items worker_batch_item[] := array(select jsonb_populate_recordset(null::worker_batch_item, p_items));
begin
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

  insert into outbox (topic, aggregate_id, event_type, payload)
  select outbox->>'topic', payment_id, type,
         jsonb_build_object('event_id', event_id, 'type', type, 'from_state', from_state,
                            'payment', before || after)
    from unnest(all_items) items where kind = 'apply' order by ord;
  perform pg_notify(notify_channel, notify) from unnest(all_items) items where kind = 'apply';

  insert into rule_hits (rule_id, payment_id, merchant_id, event_id, mode, action, acted, reasons)
  select h.value->>'rule_id', i.payment_id, i.before->>'merchant_id', i.event_id, h.value->>'mode',
         h.value->>'action', (h.value->>'acted')::boolean, coalesce(h.value->'reasons', '[]'::jsonb)
    from unnest(all_items) i, jsonb_array_elements(coalesce(i.hits, '[]'::jsonb)) h
   where i.kind = 'apply';

  -- Last, and only now the audit chain heads (all eight, in order, as worker_audit_many and the
  -- rule effects' audit_append take them): a batch holds them from here to its commit, so two
  -- writers overlap in everything above and wait on each other only for this part.
  perform worker_audit_many(array(
    select row(x.id, 0, 0, null, 'worker', p_actor, x.action, x.resource_type, x.resource_id, x.before,
               x.after, x.reason, null, x.event_id, '', '', x.merchant_id)::audit_log
      from (
        select ord, audit_id as id, type as action, 'payment' as resource_type,
               payment_id as resource_id, before, before || after as after, reason, event_id,
               before->>'merchant_id' as merchant_id
          from unnest(all_items) where kind = 'apply'
        union all
        -- A rejected event names a payment that may not exist, or not be the merchant's it
        -- claims: its merchant is the stored payment's, looked up by the trigger.
        select ord, audit_id, 'payment.event_rejected',
               case when payment_id is null then 'event' else 'payment' end,
               coalesce(payment_id, event_id), null, body, reason, event_id, null
          from unnest(all_items) where kind = 'reject'
      ) x
     order by x.ord));

  perform worker_rule_effect(to_jsonb(i), h.value, p_actor)
     from unnest(all_items) i, jsonb_array_elements(coalesce(i.hits, '[]'::jsonb)) h
    where i.kind = 'apply';
end $$;

create or replace function worker_rule_effect(it jsonb, h jsonb, p_actor text) returns void
language plpgsql as $$
declare
  a jsonb := h->'alert';
  made text;
begin
  if a is not null then
    insert into alerts (id, rule_id, payment_id, merchant_id, severity, title, message, details, dedupe_key)
    values (a->>'id', h->>'rule_id', it->>'payment_id', it->'before'->>'merchant_id', a->>'severity',
            a->>'title', coalesce(a->>'message', ''), coalesce(a->'details', '{}'::jsonb), a->>'dedupe_key')
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
