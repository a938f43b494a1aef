-- Alerts that explain themselves and can be worked as a queue.
--
-- rule_version / rule_mode: the version and mode of the rule that raised the alert, kept at
-- raise time (the rule may be edited, switched to shadow or deleted afterwards). Filled by a
-- trigger, so every path that raises alerts (the worker's set-based batch, its per-event
-- fallback, any other writer) records them: an explicit value wins, then `details.rule_version`
-- (the version the raiser evaluated, when it says), then the rule's row as it stands in the
-- raising transaction. Rows raised before this migration keep null.
--
-- resolution_note: the free text an operator gives with a resolution (false_positive,
-- confirmed_fraud, other).

alter table alerts
  add column rule_version    integer,
  add column rule_mode       text check (rule_mode in ('enforce', 'shadow')),
  add column resolution_note text check (length(resolution_note) <= 4000);

create function alerts_rule_snapshot() returns trigger
language plpgsql as $$
declare
  said text := new.details->>'rule_version';
begin
  if new.rule_version is null and said ~ '^[0-9]{1,9}$' then
    new.rule_version := said::integer;
  end if;
  if new.rule_id is not null and (new.rule_version is null or new.rule_mode is null) then
    select coalesce(new.rule_version, r.version), coalesce(new.rule_mode, r.mode)
      into new.rule_version, new.rule_mode
      from rules r where r.id = new.rule_id;
  end if;
  return new;
end $$;

create trigger alerts_rule_snapshot before insert on alerts
  for each row execute function alerts_rule_snapshot();

-- The work queue (GET /api/v1/alerts/next): unresolved alerts, open before acknowledged, most
-- severe first, oldest first. The expressions are the ones the query orders by.
create index alerts_queue on alerts (
  (case status when 'open' then 1 when 'acknowledged' then 2 else 3 end),
  (case severity when 'critical' then 1 when 'high' then 2 when 'medium' then 3 else 4 end),
  created_at, id
) where status <> 'resolved';
