-- Heartbeats of the product's processes (API instances, workers, controller),
-- read by the health endpoint to show which parts are alive.
create table service_heartbeats (
  instance_id   text primary key,
  component     text not null check (component in ('api', 'worker', 'controller', 'relay')),
  version       text not null,
  started_at    timestamptz not null default now(),
  last_seen_at  timestamptz not null default now(),
  details       jsonb not null default '{}'::jsonb
);

create index service_heartbeats_component_seen on service_heartbeats (component, last_seen_at desc);
