-- Fewer indexes on payments. A state change is never a HOT update (current_state is indexed),
-- so every index of the table gets a new entry on every transition the worker applies.
--   payments_id repeated the leading column of the primary key (id, created_at), which serves
--   the same lookups and id prefix searches.
--   The list's merchant / payer index and the rules' window index on the same column become one:
--   (merchant_id, created_at, id) include (amount_minor, currency) gives newest-first pages read
--   backwards, and windowed counts and sums as index-only scans.
drop index payments_id;

drop index payments_merchant;
drop index payments_merchant_window;
create index payments_merchant on payments (merchant_id, created_at, id) include (amount_minor, currency);

drop index payments_payer;
drop index payments_payer_window;
create index payments_payer on payments (payer_id, created_at, id) include (amount_minor, currency);
