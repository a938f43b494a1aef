-- First-steps checklist and guided tour, per user. Most checklist items are derived from what the
-- user did (their audit rows); `marked` holds the ones only the console can see (opening a
-- payment, reading an alert), item -> when. The tour's place survives reloads and devices.
create table user_onboarding (
  user_id      text        primary key references users (id) on delete cascade,
  marked       jsonb       not null default '{}'::jsonb,
  dismissed_at timestamptz,
  tour_status  text        not null default 'not_started'
                           check (tour_status in ('not_started', 'running', 'done', 'skipped')),
  tour_step    smallint    not null default 0 check (tour_step >= 0 and tour_step < 23),
  updated_at   timestamptz not null default now()
);
