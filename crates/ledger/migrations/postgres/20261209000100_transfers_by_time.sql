-- Transfers of a currency by time, covering what the credit tool's currency health reads per
-- month (kind, amount, both sides), so a month's figures come from the index alone.
CREATE INDEX transfers_by_currency_time ON transfers (currency_id, created_at, kind, amount, debit_account_id, credit_account_id);
