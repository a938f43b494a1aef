-- Rule versions and shadow challengers.
--
-- rule_versions: every change of a rule is a new version, kept whole (name, description, enabled,
-- mode, action, severity, the expression, the rule it shadows) with who made it and why, so that
-- any version can be shown, two compared and an old one restored. A trigger records it, so every
-- writer (the API, the controller's Rule sync, anything else) leaves a version: a row is written on
-- insert and whenever `version` changes. The writer names itself and its reason for the current
-- transaction with set_config('payflow.rule_actor' | 'payflow.rule_reason' | 'payflow.rule_change',
-- …, true); without them the controller's rows say 'payflow-controller' and the resource
-- generation, others the rule's creator.
--
-- rules.shadow_of: a rule in shadow mode may challenge a live rule. It runs over the same traffic
-- as the rule it shadows, the console shows their hits side by side, and promoting it replaces
-- the live rule's definition in one audited step.

alter table rules add column shadow_of text references rules (id);

create table rule_versions (
  rule_id     text        not null references rules (id),
  version     integer     not null,
  name        text        not null,
  description text        not null,
  enabled     boolean     not null,
  mode        text        not null,
  action      text        not null,
  severity    text        not null,
  definition  jsonb       not null,
  shadow_of   text,
  source      text        not null,
  change      text        not null
              check (change in ('created', 'updated', 'rolled_back', 'promoted', 'deleted', 'synced')),
  changed_by  text,
  reason      text        check (length(reason) <= 1000),
  created_at  timestamptz not null default now(),
  primary key (rule_id, version)
);

create function rules_record_version() returns trigger
language plpgsql as $$
declare
  said_change text := nullif(current_setting('payflow.rule_change', true), '');
  said_actor  text := nullif(current_setting('payflow.rule_actor', true), '');
  said_reason text := nullif(current_setting('payflow.rule_reason', true), '');
  kube        boolean := new.source = 'kubernetes';
begin
  if tg_op = 'UPDATE' and new.version = old.version then
    return new;
  end if;
  insert into rule_versions (rule_id, version, name, description, enabled, mode, action, severity,
                             definition, shadow_of, source, change, changed_by, reason)
  values (new.id, new.version, new.name, new.description, new.enabled, new.mode, new.action,
          new.severity, new.definition, new.shadow_of, new.source,
          coalesce(said_change,
                   case when kube and tg_op = 'UPDATE' then 'synced'
                        when tg_op = 'INSERT' then 'created'
                        when new.deleted_at is not null and old.deleted_at is null then 'deleted'
                        else 'updated' end),
          coalesce(said_actor, case when kube then 'payflow-controller' else new.created_by end),
          coalesce(said_reason,
                   case when kube then 'Rule resource generation ' || coalesce(new.generation::text, '?') end))
  on conflict (rule_id, version) do nothing;
  return new;
end $$;

create trigger rules_record_version after insert or update on rules
  for each row execute function rules_record_version();

-- The rules as they stand become their first recorded version.
insert into rule_versions (rule_id, version, name, description, enabled, mode, action, severity,
                           definition, shadow_of, source, change, changed_by, reason, created_at)
select id, version, name, description, enabled, mode, action, severity, definition, shadow_of, source,
       case when version = 1 then 'created' else 'updated' end,
       created_by,
       case when version = 1 then null else 'recorded when versions began' end,
       updated_at
  from rules;
