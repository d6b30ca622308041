"""The Qt window. Only this package imports PySide6."""

from ui import pyside_refcounts

pyside_refcounts.install()  # before the window makes its first call (see the module)
