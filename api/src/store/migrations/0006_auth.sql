-- Authentication: session versions, refresh-token families, one-time email tokens,
-- API keys and OpenID Connect identities. Every secret is stored as its SHA-256 hash.

-- Bumped on password change, reset and disable: access tokens carry the version
-- they were issued under and stop working as soon as it changes.
alter table users add column token_version integer not null default 0;

-- Opaque refresh tokens, rotated on every use. A family starts at sign-in and
-- ends at family_expires_at whatever the rotations; presenting a token that was
-- already rotated revokes the whole family.
create table refresh_tokens (
  id                 text        primary key,
  token_hash         text        not null unique,
  family_id          text        not null,
  user_id            text        not null references users (id) on delete cascade,
  token_version      integer     not null,
  created_at         timestamptz not null default now(),
  family_expires_at  timestamptz not null,
  rotated_at         timestamptz,
  revoked_at         timestamptz,
  revoked_reason     text
);
create index refresh_tokens_family on refresh_tokens (family_id);
create index refresh_tokens_user_live on refresh_tokens (user_id) where revoked_at is null;

-- One-time tokens sent by email: verify an address, reset a password.
create table auth_tokens (
  token_hash  text        primary key,
  purpose     text        not null check (purpose in ('verify_email', 'reset_password')),
  user_id     text        not null references users (id) on delete cascade,
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null,
  used_at     timestamptz
);
create index auth_tokens_user on auth_tokens (user_id, purpose);

-- API keys for machine clients; the key itself is shown once and never stored.
create table api_keys (
  id            text        primary key,
  name          text        not null check (length(name) between 1 and 200),
  role          text        not null check (role in ('viewer', 'operator', 'admin')),
  key_prefix    text        not null,
  key_hash      text        not null unique,
  created_by    text,
  created_at    timestamptz not null default now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
create index api_keys_time on api_keys (created_at desc, id desc);

-- Accounts at OpenID Connect issuers, linked to users by verified email.
create table oidc_identities (
  provider    text        not null,
  issuer      text        not null,
  subject     text        not null,
  user_id     text        not null references users (id) on delete cascade,
  email       text        not null,
  created_at  timestamptz not null default now(),
  primary key (issuer, subject)
);
create index oidc_identities_user on oidc_identities (user_id);

-- Disabling an account ends every session, whoever disables it: access tokens
-- stop at the next request (token_version) and refresh tokens are revoked, so
-- re-enabling the account later does not revive them.
create function users_end_sessions_on_disable() returns trigger
language plpgsql as $$
begin
  if new.disabled_at is not null and old.disabled_at is null then
    new.token_version := old.token_version + 1;
    update refresh_tokens set revoked_at = now(), revoked_reason = 'account_disabled'
     where user_id = new.id and revoked_at is null;
  end if;
  return new;
end $$;

create trigger users_end_sessions_on_disable
  before update of disabled_at on users
  for each row execute function users_end_sessions_on_disable();
