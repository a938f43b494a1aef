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

-- The reason code of a payment's latest dispute that gave one.
create function payment_dispute_reason(p_payment_id text) returns text
language sql stable parallel safe as $$
  select e.data->>'reason_code'
    from payment_events e
   where e.payment_id = p_payment_id and e.type in ('payment.disputed', 'payment.dispute_lost')
     and nullif(btrim(e.data->>'reason_code'), '') is not null
   order by e.occurred_at desc, e.recorded_at desc
   limit 1
$$;
