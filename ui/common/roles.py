"""The item-data roles that the models of more than one feature answer (a customer's id, a
row's status badges), so that a view can read them without knowing whose model it shows."""

from __future__ import annotations

from PySide6.QtCore import Qt

#: The customer's id, on every column of a row that stands for a customer.
CUSTOMER_ID_ROLE = Qt.ItemDataRole.UserRole + 1
#: A list of `ui.common.badges.Badge` for a status column.
BADGES_ROLE = Qt.ItemDataRole.UserRole + 2
