"""Helpers that test modules import: no fixtures and no tests of the app here.

Fixtures live in conftest.py files (tests/conftest.py for every test, tests/app/conftest.py and
tests/ui/conftest.py for their folders); a test module imports helpers from this package, never
from a conftest or from another test module.
"""
