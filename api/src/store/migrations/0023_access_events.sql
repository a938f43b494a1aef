-- A change to what a user or an API key may see (role, merchant scope, disabled, every session
-- ended, revoked) is announced on the live channel on commit. The stream delivers it only to
-- that user's or key's own connections, then ends them: the client reconnects with the new
-- access (a stream never keeps serving the old scope), and the console refreshes what it shows.
create function payflow_notify_access() returns trigger
language plpgsql as $$
begin
  perform pg_notify('payflow_events', json_build_object(
    'kind', 'access',
    'type', 'access.changed',
    case when tg_table_name = 'users' then 'user_id' else 'api_key_id' end, new.id)::text);
  return null;
end $$;

create trigger users_notify_access after update of role, merchant_ids, disabled_at, token_version on users
  for each row
  when (old.role is distinct from new.role or old.merchant_ids is distinct from new.merchant_ids
        or old.disabled_at is distinct from new.disabled_at or old.token_version is distinct from new.token_version)
  execute function payflow_notify_access();

create trigger api_keys_notify_access after update of role, merchant_ids, revoked_at on api_keys
  for each row
  when (old.role is distinct from new.role or old.merchant_ids is distinct from new.merchant_ids
        or old.revoked_at is distinct from new.revoked_at)
  execute function payflow_notify_access();
