-- Every process (API, worker, controller) reports itself in service_heartbeats: which host and
-- process it is, and how often it beats, so that the health endpoint can tell a live instance
-- from one that stopped beating (three missed beats, at least 30 s) whatever its interval.
alter table service_heartbeats
  add column hostname    text    not null default '',
  add column pid         integer,
  add column interval_ms integer check (interval_ms > 0);
