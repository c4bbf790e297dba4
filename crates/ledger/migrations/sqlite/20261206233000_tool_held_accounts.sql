-- Tool-held accounts (pools, escrows, bucket accounts): held_by names the tool whose service
-- alone may debit them, post or void their pending transfers and change their limits; the
-- HTTP API (/api/v1/transfers, limits) answers 409 for them. NULL: an ordinary account.
ALTER TABLE ledger_accounts ADD COLUMN held_by TEXT;
