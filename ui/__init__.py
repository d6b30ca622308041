"""The Qt window. Only this package imports PySide6."""

from ui import signal_refcount

signal_refcount.install()  # before any signal is emitted (see the module)
