-- Users and preferences, rules and their hits, alerts, batch jobs.

create table users (
  id                 text        primary key,
  email              text        not null,
  name               text        not null default '',
  role               text        not null default 'viewer' check (role in ('viewer', 'operator', 'admin')),
  password_hash      text,
  email_verified_at  timestamptz,
  disabled_at        timestamptz,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now()
);
create unique index users_email on users (lower(email));

create table user_preferences (
  user_id                text        primary key references users (id) on delete cascade,
  theme                  text        not null default 'system' check (theme in ('light', 'dark', 'system')),
  density                text        not null default 'comfortable' check (density in ('compact', 'comfortable')),
  notifications_enabled  boolean     not null default true,
  timezone               text        not null default 'UTC',
  extra                  jsonb       not null default '{}'::jsonb,
  updated_at             timestamptz not null default now()
);

-- Rules: created through the API (source 'api') or synced from a Kubernetes
-- Rule resource (source 'kubernetes', keyed by the resource's UID and generation).
create table rules (
  id               text        primary key,
  name             text        not null check (length(name) between 1 and 253),
  description      text        not null default '',
  enabled          boolean     not null default true,
  mode             text        not null default 'enforce' check (mode in ('enforce', 'shadow')),
  action           text        not null check (action in ('alert', 'flag', 'hold', 'decline')),
  severity         text        not null check (severity in ('low', 'medium', 'high', 'critical')),
  definition       jsonb       not null,
  source           text        not null default 'api' check (source in ('api', 'kubernetes')),
  external_uid     text,
  generation       bigint,
  version          integer     not null default 1,
  created_by       text,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  deleted_at       timestamptz
);
create unique index rules_name on rules (name) where deleted_at is null;
create unique index rules_external_uid on rules (external_uid) where external_uid is not null;
create index rules_enabled on rules (enabled) where deleted_at is null;

create table rule_hits (
  id          bigserial   primary key,
  rule_id     text        not null references rules (id),
  payment_id  text        not null,
  event_id    text,
  mode        text        not null,
  action      text        not null,
  acted       boolean     not null,
  reasons     jsonb       not null default '[]'::jsonb,
  matched_at  timestamptz not null default now()
);
create index rule_hits_rule_time on rule_hits (rule_id, matched_at desc);
create index rule_hits_payment on rule_hits (payment_id);

create table alerts (
  id               text        primary key,
  rule_id          text        references rules (id),
  payment_id       text,
  severity         text        not null check (severity in ('low', 'medium', 'high', 'critical')),
  status           text        not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
  title            text        not null,
  message          text        not null default '',
  details          jsonb       not null default '{}'::jsonb,
  dedupe_key       text        not null,
  assignee_id      text        references users (id),
  acknowledged_by  text,
  acknowledged_at  timestamptz,
  resolved_by      text,
  resolved_at      timestamptz,
  resolution       text,
  version          integer     not null default 1,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
create unique index alerts_dedupe on alerts (dedupe_key);
create index alerts_status_time on alerts (status, created_at desc, id desc);
create index alerts_severity_time on alerts (severity, created_at desc, id desc);
create index alerts_payment on alerts (payment_id);
create index alerts_time on alerts (created_at desc, id desc);

create table alert_notes (
  id          text        primary key,
  alert_id    text        not null references alerts (id),
  author_id   text,
  body        text        not null check (length(body) between 1 and 4000),
  created_at  timestamptz not null default now()
);
create index alert_notes_alert on alert_notes (alert_id, created_at);

-- Batch jobs (replay, backfill, reconcile, backtest, export), run in resumable
-- chunks by the worker's batch runner; progress and checkpoint live here.
create table batch_jobs (
  id                text        primary key,
  name              text        not null,
  type              text        not null check (type in ('replay', 'backfill', 'reconcile', 'backtest', 'export')),
  parameters        jsonb       not null default '{}'::jsonb,
  status            text        not null default 'pending'
                    check (status in ('pending', 'running', 'suspended', 'succeeded', 'failed', 'cancelled')),
  processed         bigint      not null default 0,
  total             bigint,
  failed            bigint      not null default 0,
  checkpoint        jsonb,
  result            jsonb,
  error             text,
  source            text        not null default 'api' check (source in ('api', 'kubernetes')),
  external_uid      text,
  parallelism       integer     not null default 1,
  attempts          integer     not null default 0,
  lease_owner       text,
  lease_expires_at  timestamptz,
  created_by        text,
  created_at        timestamptz not null default now(),
  started_at        timestamptz,
  completed_at      timestamptz,
  updated_at        timestamptz not null default now()
);
create unique index batch_jobs_external_uid on batch_jobs (external_uid) where external_uid is not null;
create index batch_jobs_status_time on batch_jobs (status, created_at desc);
create index batch_jobs_time on batch_jobs (created_at desc, id desc);
