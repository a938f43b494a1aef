-- Live change notifications for the console's server-sent events stream
-- (GET /api/v1/stream). Alerts and batch jobs notify from triggers on channel
-- 'payflow_events', so every writer (API, worker, batch runner, controller) is
-- heard; payments already notify on 'payflow_payments' from the one function
-- that records every payment change. Payloads are compact JSON (ids and states,
-- never amounts or personal data) and are delivered only when the transaction commits.

create function payflow_notify_alert() returns trigger
language plpgsql as $$
begin
  perform pg_notify('payflow_events', json_build_object(
    'kind', 'alert',
    'type', case when tg_op = 'INSERT' then 'alert.created' else 'alert.updated' end,
    'id', new.id,
    'status', new.status,
    'severity', new.severity,
    'rule_id', new.rule_id,
    'payment_id', new.payment_id,
    'version', new.version)::text);
  return null;
end $$;

create trigger alerts_notify_insert after insert on alerts
  for each row execute function payflow_notify_alert();
create trigger alerts_notify_update after update on alerts
  for each row when (old.status is distinct from new.status
                     or old.version is distinct from new.version
                     or old.assignee_id is distinct from new.assignee_id)
  execute function payflow_notify_alert();

create function payflow_notify_batch_job() returns trigger
language plpgsql as $$
begin
  perform pg_notify('payflow_events', json_build_object(
    'kind', 'batch_job',
    'type', case when tg_op = 'INSERT' then 'batch_job.created' else 'batch_job.updated' end,
    'id', new.id,
    'status', new.status,
    'processed', new.processed,
    'total', new.total,
    'failed', new.failed)::text);
  return null;
end $$;

create trigger batch_jobs_notify_insert after insert on batch_jobs
  for each row execute function payflow_notify_batch_job();
create trigger batch_jobs_notify_update after update on batch_jobs
  for each row when (old.status is distinct from new.status
                     or old.processed is distinct from new.processed
                     or old.failed is distinct from new.failed)
  execute function payflow_notify_batch_job();
