"""The customers list: search, the "expiring soon" filter, paging and match counts."""
