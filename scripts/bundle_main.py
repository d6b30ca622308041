"""The desktop bundle's entry point (scripts/billing-admin.spec): see `app.bundle.main`."""

import sys

from app.bundle import main

sys.exit(main())
