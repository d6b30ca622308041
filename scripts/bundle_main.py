"""The desktop bundle's entry point (scripts/billing-admin.spec): see
`billing_admin.bundle_main`."""

import sys

from billing_admin import bundle_main

sys.exit(bundle_main())
