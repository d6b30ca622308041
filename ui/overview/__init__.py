"""The Overview tab: the amount at risk, cards expiring and failed payments, as charts."""
