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
    select p.merchant_id into new.merchant_id from payments p where p.id = new.payment_id limit 1;
  end if;
  return new;
end $$;

create trigger rule_hits_merchant_of_payment before insert on rule_hits
  for each row execute function rule_hits_merchant_of_payment();

-- The worker's batch (0008) and its rule effects (0007), unchanged but for the merchant: the
-- payment as read (`before`) names it, so neither the rule hit nor the alert is looked up in
-- every payment partition by a trigger.
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
