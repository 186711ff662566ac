"""Points: the ledger and its texts, adjustments, purchases and refunds, tiers, programme rules, expiry."""
