"""Full and incremental (Events API) sync from Stripe into the cache."""
