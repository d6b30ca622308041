"""The selected customer's cards: the table, its actions, their confirmations."""
