"""The loyalty engine: point wallets and their ledger (more to come: tiers, purchases,
rewards, referrals, points of sale)."""
