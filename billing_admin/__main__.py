import sys

from billing_admin import main

sys.exit(main())
