"""What stays between runs: the state (outcomes, flags, agreements, watermarks, budgets,
purges due), where it is kept, the run lock, shards, and the ledger a run writes to it."""
