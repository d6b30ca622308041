"""The Billing tab: subscriptions and invoices; opening an invoice or the billing portal."""
