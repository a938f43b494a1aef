-- The version of the rule that made a hit, as the worker evaluated it. Its rule cache can lag an
-- edit by a few seconds (RULES_TTL_MS), so the rule's current version is not the one that matched:
-- the worker says which it ran. Shadow compare counts only the hits of the versions it compares,
-- and a payment's rule hits name their version. Hits stored before this have none (null).
alter table rule_hits add column rule_version integer;

-- The worker's batch (0022) and its one-by-one fallback (0007), unchanged but for the version.
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

  insert into rule_hits (rule_id, rule_version, payment_id, merchant_id, event_id, mode, action, acted, reasons)
  select h.value->>'rule_id', (h.value->>'rule_version')::integer, i.payment_id, i.before->>'merchant_id',
         i.event_id, h.value->>'mode', h.value->>'action', (h.value->>'acted')::boolean,
         coalesce(h.value->'reasons', '[]'::jsonb)
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

create or replace function worker_apply_one(it jsonb, p_actor text) returns void
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
    insert into rule_hits (rule_id, rule_version, payment_id, event_id, mode, action, acted, reasons)
    values (h->>'rule_id', (h->>'rule_version')::integer, it->>'payment_id', it->>'event_id', h->>'mode',
            h->>'action', (h->>'acted')::boolean, coalesce(h->'reasons', '[]'::jsonb));
    perform worker_rule_effect(it, h, p_actor);
  end loop;
end $$;
