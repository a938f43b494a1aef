-- Sessions a person can see and end, and the system settings an admin may change at run time.
--
-- A session is a refresh-token family (0006): it starts at sign-in, every rotation adds a row,
-- and revoking the family ends it. Each row now records the client that presented it: the
-- User-Agent header (cut to 512 characters) and the client IP as the API saw it. The session's
-- device and address are those of its latest row, "created" is its first row and "last used"
-- its latest rotation (the console rotates a minute before its access token expires, so this is
-- at most one access-token lifetime behind). Rows from before this migration keep nulls.
alter table refresh_tokens
  add column user_agent text check (length(user_agent) <= 512),
  add column ip         text check (length(ip) <= 64);

-- The live sessions of a user, newest rotation first (GET /api/v1/users/me/sessions).
create index refresh_tokens_user_current on refresh_tokens (user_id, created_at desc)
  where revoked_at is null and rotated_at is null;

-- Settings an admin changes at run time (PATCH /api/v1/settings), one row per key. Only what is
-- safe to change on a running system lives here; everything else stays in the environment.
--   session_lifetime_hours   absolute lifetime of a new session (refresh-token family), 1..2160;
--                            sessions already started keep the end they were given.
--   default_alert_assignee   a user id or null: alerts raised without an assignee go to this
--                            person (while they are an active operator or admin).
-- Absent keys mean the default (REFRESH_TOKEN_TTL_SECONDS; nobody). Every change is audited.
create table system_settings (
  key         text        primary key check (key in ('session_lifetime_hours', 'default_alert_assignee')),
  value       jsonb       not null,
  updated_at  timestamptz not null default now(),
  updated_by  text
);

-- Alerts raised without an assignee (the worker's batch, its fallback, any other writer) get the
-- default assignee when one is set and can still work alerts; an explicit assignee wins.
create function alerts_default_assignee() returns trigger
language plpgsql as $$
begin
  if new.assignee_id is null then
    select u.id into new.assignee_id
      from system_settings s
      join users u on u.id = s.value #>> '{}'
     where s.key = 'default_alert_assignee'
       and u.disabled_at is null and u.role in ('operator', 'admin');
  end if;
  return new;
end $$;

create trigger alerts_default_assignee before insert on alerts
  for each row execute function alerts_default_assignee();
