"""The audit log in the window: one customer's Activity tab and the account's activity."""
