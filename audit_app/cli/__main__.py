import sys

from audit_app.cli import main

sys.exit(main())
