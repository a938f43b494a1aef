-- The console's notifications: what an operator should hear about, written by triggers so that
-- every writer (API, worker, batch runner, controller) is heard, and read / unread kept per user.
--   - a new high or critical alert;
--   - a batch job that finished (succeeded) or failed;
--   - a worker pool's dead-letter queue growing (at most one notification per pool a quarter of
--     an hour while it keeps growing);
--   - a worker pool whose autoscaler reached its maximum replicas (once each time it gets there).
-- Each new notification is announced on 'payflow_events' (kind 'notification') for the stream.

create table notifications (
  id          bigint      generated always as identity primary key,
  kind        text        not null check (kind in ('alert', 'batch_job', 'dlq', 'worker_pool')),
  severity    text        not null check (severity in ('critical', 'high', 'warning', 'info', 'success')),
  title       text        not null,
  body        text        not null default '',
  -- The object it is about and where the console shows it.
  object_type text        not null,
  object_id   text        not null,
  link        text        not null,
  -- The payment behind an alert, for scoping by merchant.
  payment_id  text,
  dedupe_key  text        not null,
  created_at  timestamptz not null default now()
);
create unique index notifications_dedupe on notifications (dedupe_key);
create index notifications_recent on notifications (id desc);

-- A notification a user has read; "mark all read" instead moves the user's watermark.
create table notification_reads (
  user_id          text        not null references users (id) on delete cascade,
  notification_id  bigint      not null references notifications (id) on delete cascade,
  read_at          timestamptz not null default now(),
  primary key (user_id, notification_id)
);
create table notification_watermarks (
  user_id       text        primary key references users (id) on delete cascade,
  -- Every notification with an id at or below this one is read.
  read_through  bigint      not null,
  updated_at    timestamptz not null default now()
);

create function payflow_notify_notification() returns trigger
language plpgsql as $$
begin
  perform pg_notify('payflow_events', json_build_object(
    'kind', 'notification',
    'type', 'notification.created',
    'id', new.id::text,
    'notification_kind', new.kind,
    'severity', new.severity,
    'link', new.link)::text);
  return null;
end $$;
create trigger notifications_notify after insert on notifications
  for each row execute function payflow_notify_notification();

create function payflow_notification_from_alert() returns trigger
language plpgsql as $$
begin
  insert into notifications (kind, severity, title, body, object_type, object_id, link, payment_id, dedupe_key)
  values ('alert', new.severity,
          'New ' || new.severity || ' alert: ' || new.title,
          coalesce('Payment ' || new.payment_id, ''),
          'alert', new.id, '/alerts/' || new.id, new.payment_id, 'alert:' || new.id)
  on conflict (dedupe_key) do nothing;
  return null;
end $$;
create trigger alerts_notification after insert on alerts
  for each row when (new.severity in ('high', 'critical'))
  execute function payflow_notification_from_alert();

create function payflow_notification_from_batch_job() returns trigger
language plpgsql as $$
begin
  insert into notifications (kind, severity, title, body, object_type, object_id, link, dedupe_key)
  values ('batch_job',
          case when new.status = 'failed' then 'high' else 'success' end,
          'Batch job ' || new.name || case when new.status = 'failed' then ' failed' else ' finished' end,
          case when new.status = 'failed' then coalesce(new.error, '')
               else new.processed::text || ' processed, ' || new.failed::text || ' failed' end,
          'batch_job', new.id, '/batch-jobs/' || new.id,
          'batch_job:' || new.id || ':' || new.status || ':' || new.attempts::text)
  on conflict (dedupe_key) do nothing;
  return null;
end $$;
create trigger batch_jobs_notification after update on batch_jobs
  for each row when (old.status is distinct from new.status and new.status in ('succeeded', 'failed'))
  execute function payflow_notification_from_batch_job();

create function payflow_notification_from_pool_sample() returns trigger
language plpgsql as $$
declare
  prev worker_pool_samples;
  max_replicas integer;
  pool text := new.namespace || '/' || new.name;
begin
  select * into prev from worker_pool_samples s
   where s.namespace = new.namespace and s.name = new.name and s.at < new.at
   order by s.at desc limit 1;
  if coalesce(new.dead_letter, 0) > 0 and new.dead_letter > coalesce(prev.dead_letter, 0)
     and not exists (select 1 from notifications n
                      where n.kind = 'dlq' and n.object_id = pool
                        and n.created_at > now() - interval '15 minutes') then
    insert into notifications (kind, severity, title, body, object_type, object_id, link, dedupe_key)
    values ('dlq', 'warning',
            'Dead-letter queue of ' || new.name || ' is growing',
            new.dead_letter::text || ' messages, up from ' || coalesce(prev.dead_letter, 0)::text,
            'worker_pool', pool, '/worker-pools#dead-letters',
            'dlq:' || pool || ':' || extract(epoch from new.at)::text)
    on conflict (dedupe_key) do nothing;
  end if;
  select (spec->>'maxReplicas')::integer into max_replicas from worker_pools
   where namespace = new.namespace and name = new.name;
  if max_replicas is not null and new.desired >= max_replicas
     and (prev is null or prev.desired < max_replicas) then
    insert into notifications (kind, severity, title, body, object_type, object_id, link, dedupe_key)
    values ('worker_pool', 'warning',
            'Worker pool ' || new.name || ' is at its maximum',
            new.desired::text || ' of ' || max_replicas::text || ' replicas; backlog '
              || coalesce(new.backlog::text, 'unknown'),
            'worker_pool', pool, '/worker-pools',
            'pool_max:' || pool || ':' || extract(epoch from new.at)::text)
    on conflict (dedupe_key) do nothing;
  end if;
  return null;
end $$;
create trigger worker_pool_samples_notification after insert on worker_pool_samples
  for each row execute function payflow_notification_from_pool_sample();
