-- Dashboard statistics, pre-aggregated by the writers so that the console's overview reads a few
-- hundred rows instead of scanning payments.
--
-- What is kept, at several grains (bucket_seconds 60, 300, 3600, and 86400 for the histogram;
-- buckets aligned to UTC):
--   payment_stats          per (grain, bucket of created_at, currency, shard): the sum of
--                          amount_minor and one count per state (the payments CREATED in the
--                          bucket, by their CURRENT state). A state change moves a count from one
--                          column of the payment's creation bucket to another.
--   payment_final_latency  per (grain, bucket of the moment the payment became final, latency
--                          bucket, shard): how many payments became final then, by their time from
--                          creation, in log-spaced buckets (see payment_latency_bucket).
-- A payment is final once it leaves the in-flight states (pending, authorized, captured): it is
-- settled, failed or voided, or refunded, partially refunded or disputed before settling. No
-- state leads back into them, so each payment is counted once (api/src/stats/outcomes.ts holds
-- the same list; its test reads this file).
--
-- Who maintains it: statement-level AFTER INSERT / UPDATE / DELETE triggers on the partitioned
-- payments table, with transition tables. Every writer is covered without knowing about it (the
-- API's use cases, the worker's worker_apply_batch / worker_apply_events, loaders, ad-hoc SQL
-- through the parent table), and a statement that changes N payments costs ONE aggregate and one
-- upsert of its few distinct (bucket, currency) groups, not N row-trigger calls: the worker's
-- batches of hundreds of events pay a few rows per batch. Row triggers were the alternative; they
-- cost a PL/pgSQL call and an upsert per payment and per grain, which is what the worker
-- benchmark would have paid for every event. Measured (pg_stat_user_functions, 20,000 events in
-- batches of 500 by two writers): the update trigger is 2.9% of worker_apply_batch's time for
-- payment.authorized, 3.4% for payment.failed (which also feeds the histogram).
--
-- Hot rows: concurrent writers would all update the current minute's row of the same currency
-- and, holding its lock until commit, run one after the other. Each row therefore exists per
-- shard, and a transaction takes a shard of its own for its lifetime (a transaction-scoped
-- advisory lock tried on shard pid % 8, then the next ones), so two concurrent transactions never
-- touch the same stats row unless more than eight write at once. Readers sum over shards.
--
-- Several grains instead of minutes only: a 30-day series at minute grain would sum ~40,000 rows
-- per currency and shard; the 60 / 300 / 3600 s grains give exactly the buckets the windows
-- show (up to 6 h by the minute, 24 h by 5 minutes, 7 and 30 days by the hour), so a series
-- sums at most 744 buckets. The counts are columns (not a row per state) so that a state change
-- updates one row per grain, in place (HOT: no indexed column changes). The histogram has a row
-- per latency bucket hit (~80 per hour with real spreads), so its window is read as the largest
-- whole buckets that tile it (days in the middle, then hours, 5 and 1 minutes at the edges):
-- at most a few thousand rows for any window, where hours alone would be ~57,000 for 30 days.
--
-- Not followed by the triggers: TRUNCATE, DETACH or DROP of a single partition and writes
-- straight into a partition (statement triggers fire for statements on the parent). Whoever
-- does that (retention, repairs) calls payment_stats_rebuild for the range afterwards. Bulk
-- loaders may disable the triggers (payment_stats_insert and friends) and call the rebuild once
-- instead, and should for millions of rows in one statement (the trigger holds that statement's
-- rows and their changes in memory); TRUNCATE of the parent clears the statistics.

-- Each grain is a partition of its own, so that a window's rows sit together (by time) instead
-- of among the other grains' rows: a 24-hour read touched a heap page per row before.
create table payment_stats (
  bucket_seconds     integer     not null,
  bucket             timestamptz not null,
  currency           text        not null,
  shard              smallint    not null,
  -- numeric: a sum of many amounts may pass 2^63 (counts stay far below 2^31).
  amount_minor       numeric     not null default 0,
  pending            integer     not null default 0,
  authorized         integer     not null default 0,
  captured           integer     not null default 0,
  settled            integer     not null default 0,
  failed             integer     not null default 0,
  voided             integer     not null default 0,
  refunded           integer     not null default 0,
  partially_refunded integer     not null default 0,
  disputed           integer     not null default 0,
  charged_back       integer     not null default 0,
  primary key (bucket_seconds, bucket, currency, shard)
) partition by list (bucket_seconds);
create table payment_stats_1m partition of payment_stats for values in (60) with (fillfactor = 80);
create table payment_stats_5m partition of payment_stats for values in (300) with (fillfactor = 80);
create table payment_stats_1h partition of payment_stats for values in (3600) with (fillfactor = 80);

create table payment_final_latency (
  bucket_seconds integer     not null,
  bucket         timestamptz not null,
  latency_bucket smallint    not null check (latency_bucket between 0 and 127),
  shard          smallint    not null,
  payments       integer     not null default 0,
  primary key (bucket_seconds, bucket, latency_bucket, shard)
) partition by list (bucket_seconds);
create table payment_final_latency_1m partition of payment_final_latency for values in (60) with (fillfactor = 80);
create table payment_final_latency_5m partition of payment_final_latency for values in (300) with (fillfactor = 80);
create table payment_final_latency_1h partition of payment_final_latency for values in (3600) with (fillfactor = 80);
create table payment_final_latency_1d partition of payment_final_latency for values in (86400) with (fillfactor = 80);

-- The bucket of ts at a grain, aligned to UTC.
create function payment_stats_bucket(ts timestamptz, seconds integer) returns timestamptz
language sql immutable parallel safe as $$
  select date_bin(make_interval(secs => seconds), ts, timestamptz '2000-01-01 00:00:00+00')
$$;

-- Log-spaced latency buckets, four per doubling: bucket k holds latencies in
-- [2^(k/4), 2^((k+1)/4)) milliseconds (bucket 0 also everything under 1 ms, bucket 127 everything
-- from 2^(127/4) ms, about 42 days). A quantile read from them is within 19% of the true value,
-- about 9% with the interpolation the API does.
create function payment_latency_bucket(latency interval) returns smallint
language sql immutable parallel safe as $$
  select least(127, greatest(0, floor(4 * ln(greatest(extract(epoch from latency)::float8 * 1000, 1)) / ln(2::float8))))::smallint
$$;

-- The shard this transaction writes: the first of pid % 8, pid % 8 + 1, … whose advisory lock
-- (held until commit) it gets; when all eight are taken, pid % 8 unlocked (row locks then queue).
create function payment_stats_shard() returns smallint
language plpgsql volatile as $$
declare
  base integer := pg_backend_pid() % 8;
begin
  for i in 0 .. 7 loop
    if pg_try_advisory_xact_lock(1885434996, (base + i) % 8) then
      return ((base + i) % 8)::smallint;
    end if;
  end loop;
  return base::smallint;
end $$;

-- Changes as the triggers hand them over, already summed per minute of creation, currency and
-- state: `payments` payments more (or, negative, fewer) in that state, with that much amount.
create type payment_stats_change as (minute timestamptz, currency text, state text, payments bigint, amount_minor numeric);
-- Payments that became final, summed per minute and latency bucket.
create type payment_final_sample as (minute timestamptz, latency_bucket smallint, payments bigint);

-- Adds changes and samples to every grain, in this transaction's shard. The minute buckets nest
-- in the 5-minute, hour and day ones. Groups are upserted in key order (no deadlock between two
-- writers that fall back to a shared shard).
create function payment_stats_apply(p_changes payment_stats_change[], p_samples payment_final_sample[])
returns void
language plpgsql as $$
declare
  s smallint;
begin
  if cardinality(p_changes) = 0 and cardinality(p_samples) = 0 then
    return;
  end if;
  s := payment_stats_shard();
  if cardinality(p_changes) > 0 then
    insert into payment_stats as t (bucket_seconds, bucket, currency, shard, amount_minor, pending, authorized,
      captured, settled, failed, voided, refunded, partially_refunded, disputed, charged_back)
    select g.seconds, payment_stats_bucket(c.minute, g.seconds), c.currency, s, sum(c.amount_minor),
           coalesce(sum(c.payments) filter (where c.state = 'pending'), 0),
           coalesce(sum(c.payments) filter (where c.state = 'authorized'), 0),
           coalesce(sum(c.payments) filter (where c.state = 'captured'), 0),
           coalesce(sum(c.payments) filter (where c.state = 'settled'), 0),
           coalesce(sum(c.payments) filter (where c.state = 'failed'), 0),
           coalesce(sum(c.payments) filter (where c.state = 'voided'), 0),
           coalesce(sum(c.payments) filter (where c.state = 'refunded'), 0),
           coalesce(sum(c.payments) filter (where c.state = 'partially_refunded'), 0),
           coalesce(sum(c.payments) filter (where c.state = 'disputed'), 0),
           coalesce(sum(c.payments) filter (where c.state = 'charged_back'), 0)
      from unnest(p_changes) c cross join unnest('{60,300,3600}'::integer[]) g(seconds)
     group by 1, 2, 3
     order by 1, 2, 3
    on conflict (bucket_seconds, bucket, currency, shard) do update
      set amount_minor = t.amount_minor + excluded.amount_minor,
          pending = t.pending + excluded.pending,
          authorized = t.authorized + excluded.authorized,
          captured = t.captured + excluded.captured,
          settled = t.settled + excluded.settled,
          failed = t.failed + excluded.failed,
          voided = t.voided + excluded.voided,
          refunded = t.refunded + excluded.refunded,
          partially_refunded = t.partially_refunded + excluded.partially_refunded,
          disputed = t.disputed + excluded.disputed,
          charged_back = t.charged_back + excluded.charged_back;
  end if;
  if cardinality(p_samples) > 0 then
    insert into payment_final_latency as t (bucket_seconds, bucket, latency_bucket, shard, payments)
    select g.seconds, payment_stats_bucket(f.minute, g.seconds), f.latency_bucket, s, sum(f.payments)
      from unnest(p_samples) f cross join unnest('{60,300,3600,86400}'::integer[]) g(seconds)
     group by 1, 2, 3
     order by 1, 2, 3
    on conflict (bucket_seconds, bucket, latency_bucket, shard) do update
      set payments = t.payments + excluded.payments;
  end if;
end $$;

-- Inserted payments count in their state; one inserted in a final state (a loader's history)
-- became final at its updated_at.
create function payment_stats_on_insert() returns trigger
language plpgsql as $$
begin
  perform payment_stats_apply(
    array(select row(payment_stats_bucket(n.created_at, 60), n.currency, n.current_state, count(*),
                     sum(n.amount_minor))::payment_stats_change
            from new_rows n
           group by payment_stats_bucket(n.created_at, 60), n.currency, n.current_state),
    array(select row(payment_stats_bucket(n.updated_at, 60), payment_latency_bucket(n.updated_at - n.created_at),
                     count(*))::payment_final_sample
            from new_rows n
           where n.current_state not in ('pending', 'authorized', 'captured')
           group by payment_stats_bucket(n.updated_at, 60), payment_latency_bucket(n.updated_at - n.created_at)));
  return null;
end $$;

-- An update moves a payment's count when its state (or currency, amount, creation time) changed;
-- one that leaves the in-flight states became final now (the transaction's time, which both the
-- API and the worker also write as updated_at and payment_events.recorded_at).
create function payment_stats_on_update() returns trigger
language plpgsql as $$
begin
  perform payment_stats_apply(
    array(select row(payment_stats_bucket(x.created_at, 60), x.currency, x.state, sum(x.sign),
                     sum(x.sign * x.amount_minor))::payment_stats_change
            from old_rows o
            full join new_rows n on n.id = o.id and n.created_at = o.created_at
            cross join lateral (
              select n.created_at, n.currency, n.current_state, n.amount_minor, 1 where n.id is not null
              union all
              select o.created_at, o.currency, o.current_state, o.amount_minor, -1 where o.id is not null
            ) x(created_at, currency, state, amount_minor, sign)
           where o.id is null or n.id is null
              or (o.current_state, o.currency, o.amount_minor) is distinct from (n.current_state, n.currency, n.amount_minor)
           group by payment_stats_bucket(x.created_at, 60), x.currency, x.state),
    array(select row(payment_stats_bucket(now(), 60), payment_latency_bucket(now() - n.created_at),
                     count(*))::payment_final_sample
            from old_rows o
            join new_rows n on n.id = o.id and n.created_at = o.created_at
           where o.current_state in ('pending', 'authorized', 'captured')
             and n.current_state not in ('pending', 'authorized', 'captured')
           group by payment_latency_bucket(now() - n.created_at)));
  return null;
end $$;

-- Deleted payments leave the counts; the moments they became final stay (that happened).
create function payment_stats_on_delete() returns trigger
language plpgsql as $$
begin
  perform payment_stats_apply(
    array(select row(payment_stats_bucket(o.created_at, 60), o.currency, o.current_state, -count(*),
                     -sum(o.amount_minor))::payment_stats_change
            from old_rows o
           group by payment_stats_bucket(o.created_at, 60), o.currency, o.current_state),
    '{}');
  return null;
end $$;

create function payment_stats_on_truncate() returns trigger
language plpgsql as $$
begin
  truncate payment_stats, payment_final_latency;
  return null;
end $$;

create trigger payment_stats_insert after insert on payments
  referencing new table as new_rows for each statement execute function payment_stats_on_insert();
create trigger payment_stats_update after update on payments
  referencing old table as old_rows new table as new_rows for each statement execute function payment_stats_on_update();
create trigger payment_stats_delete after delete on payments
  referencing old table as old_rows for each statement execute function payment_stats_on_delete();
create trigger payment_stats_truncate after truncate on payments
  for each statement execute function payment_stats_on_truncate();

-- Recomputes the statistics of [p_from, p_to) (null: unbounded; widened to whole UTC days) from the
-- payments themselves, into shard 0:
--   payment_stats from the payments created in the range;
--   payment_final_latency from the payments that became final in the range: at the time of the
--   payment_events row that took them out of the in-flight states, or, for payments loaded
--   already final without such a row, at their updated_at (what the insert trigger counts).
-- Writers wait while it runs (it locks payments in share mode), so that no change is counted
-- twice or lost between the recount and the rows it replaces. Returns the rows written.
create function payment_stats_rebuild(p_from timestamptz default null, p_to timestamptz default null)
returns table (stats_rows bigint, latency_rows bigint)
language plpgsql as $$
declare
  f timestamptz := coalesce(payment_stats_bucket(p_from, 86400), '-infinity');
  t timestamptz := coalesce(payment_stats_bucket(p_to - interval '1 microsecond', 86400) + interval '1 day', 'infinity');
begin
  lock table payments in share mode;
  lock table payment_stats, payment_final_latency in exclusive mode;
  delete from payment_stats where bucket >= f and bucket < t;
  insert into payment_stats (bucket_seconds, bucket, currency, shard, amount_minor, pending, authorized,
    captured, settled, failed, voided, refunded, partially_refunded, disputed, charged_back)
  select g.seconds, payment_stats_bucket(p.created_at, g.seconds), p.currency, 0, sum(p.amount_minor),
         count(*) filter (where p.current_state = 'pending'),
         count(*) filter (where p.current_state = 'authorized'),
         count(*) filter (where p.current_state = 'captured'),
         count(*) filter (where p.current_state = 'settled'),
         count(*) filter (where p.current_state = 'failed'),
         count(*) filter (where p.current_state = 'voided'),
         count(*) filter (where p.current_state = 'refunded'),
         count(*) filter (where p.current_state = 'partially_refunded'),
         count(*) filter (where p.current_state = 'disputed'),
         count(*) filter (where p.current_state = 'charged_back')
    from payments p cross join unnest('{60,300,3600}'::integer[]) g(seconds)
   where p.created_at >= f and p.created_at < t
   group by 1, 2, 3
   order by 1, 2, 3;
  get diagnostics stats_rows = row_count;

  delete from payment_final_latency where bucket >= f and bucket < t;
  insert into payment_final_latency (bucket_seconds, bucket, latency_bucket, shard, payments)
  select g.seconds, payment_stats_bucket(x.final_at, g.seconds), payment_latency_bucket(x.final_at - x.created_at), 0,
         count(*)
    from (
      select p.created_at, coalesce(e.final_at, p.updated_at) as final_at
        from payments p
        left join (
          select payment_id, payment_created_at, min(recorded_at) as final_at
            from payment_events
           where from_state in ('pending', 'authorized', 'captured')
             and to_state not in ('pending', 'authorized', 'captured')
             and payment_created_at < t
           group by payment_id, payment_created_at
        ) e on e.payment_id = p.id and e.payment_created_at = p.created_at
       -- Final no later than the last change, and created before it became final.
       where p.current_state not in ('pending', 'authorized', 'captured')
         and p.created_at < t and p.updated_at >= f
    ) x
    cross join unnest('{60,300,3600,86400}'::integer[]) g(seconds)
   where x.final_at >= f and x.final_at < t
   group by 1, 2, 3
   order by 1, 2, 3;
  get diagnostics latency_rows = row_count;
  return next;
end $$;

-- Backfill what is already there.
select payment_stats_rebuild();

-- The dashboard's count of unresolved alerts by status and severity: an index-only scan.
create index alerts_unresolved on alerts (status, severity) where status <> 'resolved';
