-- What the operations pages of the console read: export files, failed batch chunks, audit chain
-- verifications, and the WorkerPool status the controller mirrors from Kubernetes (the API has
-- no cluster credentials).
--
-- batch_job_output: an export's file, one row per checkpointed chunk, written in the chunk's own
-- transaction. A runner that dies mid-chunk rolls its row back with the checkpoint, so a resumed
-- export never holds a row twice, and the API streams the file from any replica (a Kubernetes
-- Job's pod and the API share no disk). Deleted with the job.
create table batch_job_output (
  job_id  text    not null references batch_jobs (id) on delete cascade,
  seq     integer not null check (seq >= 0),
  data    bytea   not null,
  primary key (job_id, seq)
);

-- batch_job_failures: a chunk that threw (its transaction rolled back, the job failed) with the
-- checkpoint it started from and the error; or items a chunk could not process (a replay's
-- messages SQS refused), named with their errors. A retry resumes from the checkpoint and marks
-- the failures it covers as retried.
create table batch_job_failures (
  id               bigint generated always as identity primary key,
  job_id           text        not null references batch_jobs (id) on delete cascade,
  kind             text        not null check (kind in ('chunk', 'items')),
  attempt          integer     not null,
  checkpoint       jsonb,
  processed_before bigint      not null default 0,
  items            jsonb       not null default '[]'::jsonb,
  error            text        not null check (length(error) <= 4000),
  occurred_at      timestamptz not null default now(),
  retried_at       timestamptz,
  retried_by       text
);
create index batch_job_failures_job on batch_job_failures (job_id, occurred_at);

-- audit_verifications: every run of GET /api/v1/audit/verify, so the console can say when the
-- chains last held and name the first bad row when they did not.
create table audit_verifications (
  id            bigint generated always as identity primary key,
  verified_at   timestamptz not null default now(),
  valid         boolean     not null,
  rows_checked  bigint      not null,
  chains        integer     not null,
  bad_chain     integer,
  first_bad_id  text,
  problem       text,
  verified_by   text
);
create index audit_verifications_time on audit_verifications (verified_at desc);
create index audit_verifications_passed on audit_verifications (verified_at desc) where valid;

-- worker_pools: each WorkerPool resource's spec and status as the controller last saw them.
create table worker_pools (
  namespace    text        not null,
  name         text        not null,
  uid          text        not null,
  generation   bigint,
  spec         jsonb       not null,
  status       jsonb       not null default '{}'::jsonb,
  queue_url    text,
  dlq_url      text,
  observed_at  timestamptz not null default now(),
  primary key (namespace, name)
);

-- worker_pool_samples: backlog against replicas over time (the controller writes one per poll,
-- at most every few seconds, and deletes samples older than two hours).
create table worker_pool_samples (
  namespace  text        not null,
  name       text        not null,
  at         timestamptz not null,
  backlog    integer,
  dead_letter integer,
  desired    integer     not null,
  ready      integer     not null,
  primary key (namespace, name, at),
  foreign key (namespace, name) references worker_pools (namespace, name) on delete cascade
);
