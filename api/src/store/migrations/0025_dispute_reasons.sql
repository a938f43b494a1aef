-- Whether a dispute's reason code names fraud, by card network. A processor sends the code in the
-- event's data (`data.reason_code` of payment.disputed or payment.dispute_lost). The code's shape
-- says its network, and the network's own grouping whether it is a fraud dispute:
--   Visa        10.1 … 13.x   group 10 is fraud (11 authorisation, 12 processing, 13 consumer)
--   Mastercard  48xx          4837, 4840, 4849, 4863, 4870 and 4871 are fraud
--   Amex        A/C/F/M/P/R + two digits   the F codes are fraud
--   Discover    two letters + two digits   the UA codes are fraud
-- Null for no code or a code of another shape: what is not known is not read as either.
create function dispute_reason_is_fraud(p_code text) returns boolean
language sql immutable parallel safe as $$
  select case
    when c ~ '^1[0-3]\.[0-9]{1,2}$' then c like '10.%'
    when c ~ '^48[0-9]{2}$' then c in ('4837', '4840', '4849', '4863', '4870', '4871')
    when c ~ '^[ACFMPR][0-9]{2}$' then c like 'F%'
    when c ~ '^[A-Z]{2}[0-9]{2}$' then c like 'UA%'
  end
  from (select upper(btrim(p_code)) as c) x
$$;

-- Each disputed payment's latest reason code, kept as its dispute events are written, so that a
-- backtest reads the chargebacks' codes from this small table (one hash join) rather than probing
-- payment_events once per chargeback. The trigger fires only for dispute events with a code.
create table payment_dispute_reasons (
  payment_id  text        primary key,
  reason_code text        not null,
  -- dispute_reason_is_fraud(reason_code): null for a code of no known network
  fraud       boolean,
  occurred_at timestamptz not null
);

create function payment_events_dispute_reason() returns trigger
language plpgsql as $$
begin
  insert into payment_dispute_reasons as d (payment_id, reason_code, fraud, occurred_at)
  values (new.payment_id, btrim(new.data->>'reason_code'), dispute_reason_is_fraud(new.data->>'reason_code'),
          new.occurred_at)
  on conflict (payment_id) do update
    set reason_code = excluded.reason_code, fraud = excluded.fraud, occurred_at = excluded.occurred_at
    where d.occurred_at <= excluded.occurred_at;
  return null;
end $$;

create trigger payment_events_dispute_reason after insert on payment_events
  for each row
  when (new.type in ('payment.disputed', 'payment.dispute_lost')
        and nullif(btrim(new.data->>'reason_code'), '') is not null)
  execute function payment_events_dispute_reason();

insert into payment_dispute_reasons (payment_id, reason_code, fraud, occurred_at)
select distinct on (payment_id) payment_id, btrim(data->>'reason_code'),
       dispute_reason_is_fraud(data->>'reason_code'), occurred_at
  from payment_events
 where type in ('payment.disputed', 'payment.dispute_lost') and nullif(btrim(data->>'reason_code'), '') is not null
 order by payment_id, occurred_at desc, recorded_at desc;
