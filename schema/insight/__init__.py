"""Member insight in the API: RFM segments, lifecycle stages, snapshots and KPIs."""
