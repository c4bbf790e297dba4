-- A pending transfer a tool made (an escrow from payer to payee, posted or voided when the
-- tool's rule says so): held_by names the tool whose service alone may post or void it; the
-- HTTP API answers 409 for it. NULL: an ordinary transfer. Not part of the hash chain, which
-- covers what moved, not who may end it.
ALTER TABLE transfers ADD COLUMN held_by TEXT;
