"""Billing rules and amounts, with no Qt and no SQL: which card pays, who needs attention."""
