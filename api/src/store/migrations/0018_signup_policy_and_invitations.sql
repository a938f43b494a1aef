-- Who may have an account: self sign-up follows the API's SIGNUP_POLICY, everyone else is
-- invited by an admin, and the first admin comes from the installer's configuration or a
-- one-time setup token, never from being the first to sign up.

-- `none`: an account without access, waiting for an admin to grant a role (a self-signed-up
-- account under SIGNUP_POLICY=domain by default). It may sign in and read its own profile only.
alter table users drop constraint users_role_check;
alter table users add constraint users_role_check check (role in ('none', 'viewer', 'operator', 'admin'));

-- Invitations: an admin invites an address with a role (and a merchant scope, 0019); the mail
-- holds a single-use link whose token is stored only as its SHA-256 hash. Resending replaces the
-- token (the earlier link stops working) and the expiry. Accepting makes the account, verified,
-- in the same transaction that marks the invitation accepted. At most one open invitation per
-- address.
create table invitations (
  id                text        primary key,
  email             text        not null check (length(email) between 3 and 320),
  role              text        not null check (role in ('viewer', 'operator', 'admin')),
  token_hash        text        not null unique,
  invited_by        text,
  created_at        timestamptz not null default now(),
  expires_at        timestamptz not null,
  sent_at           timestamptz not null default now(),
  send_count        integer     not null default 1,
  accepted_at       timestamptz,
  accepted_user_id  text        references users (id) on delete set null,
  revoked_at        timestamptz,
  revoked_by        text
);
create unique index invitations_open_email on invitations (lower(email))
  where accepted_at is null and revoked_at is null;
create index invitations_time on invitations (created_at desc, id desc);

-- One-time setup tokens, printed once in the log of an API that started with no admin and no
-- ADMIN_EMAIL: each makes the first admin, and none works once an admin exists.
create table setup_tokens (
  token_hash  text        primary key,
  created_at  timestamptz not null default now(),
  used_at     timestamptz
);
