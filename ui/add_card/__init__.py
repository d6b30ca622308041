"""Adding a card: Stripe Elements in an embedded page (QtWebEngine, loaded late)."""
