-- Merchant-scoped access: a user, an API key or an invitation may be limited to a set of
-- merchants (null: every merchant). Admins are never limited, whatever the column says. Every
-- read of payment data (lists, details, counts, exports, aggregates, the live stream, alerts,
-- audit rows about payments, batch jobs) puts the scope in its query; a payment outside it
-- answers 404.
alter table users       add column merchant_ids text[] check (cardinality(merchant_ids) between 1 and 200);
alter table api_keys    add column merchant_ids text[] check (cardinality(merchant_ids) between 1 and 200);
alter table invitations add column merchant_ids text[] check (cardinality(merchant_ids) between 1 and 200);

-- An alert's merchant is its payment's, kept on the alert so that a scoped list filters on an
-- indexed column of its own table rather than probing every payment partition per row. Filled
-- at insert by every writer (worker, API, tests) from the payment.
alter table alerts add column merchant_id text;
update alerts a set merchant_id = p.merchant_id from payments p where p.id = a.payment_id;
create index alerts_merchant_time on alerts (merchant_id, created_at desc, id desc);

create function alerts_merchant_of_payment() returns trigger
language plpgsql as $$
begin
  if new.merchant_id is null and new.payment_id is not null then
    select p.merchant_id into new.merchant_id from payments p where p.id = new.payment_id limit 1;
  end if;
  return new;
end $$;

create trigger alerts_merchant_of_payment before insert on alerts
  for each row execute function alerts_merchant_of_payment();

-- The live stream's alert events name the merchant, so that a scoped subscriber hears only its own.
create or replace function payflow_notify_alert() returns trigger
language plpgsql as $$
begin
  perform pg_notify('payflow_events', json_build_object(
    'kind', 'alert',
    'type', case when tg_op = 'INSERT' then 'alert.created' else 'alert.updated' end,
    'id', new.id,
    'status', new.status,
    'severity', new.severity,
    'rule_id', new.rule_id,
    'payment_id', new.payment_id,
    'merchant_id', new.merchant_id,
    'version', new.version)::text);
  return null;
end $$;
