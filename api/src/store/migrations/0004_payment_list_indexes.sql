-- Indexes for the transactions list's common combined filters, so that a filtered page and its
-- capped count are index scans (index-only for the count) on each monthly partition:
--   merchant + state (the console's default drill-down), payer + state.
create index payments_merchant_state on payments (merchant_id, current_state, created_at desc, id desc);
create index payments_payer_state    on payments (payer_id, current_state, created_at desc, id desc);
