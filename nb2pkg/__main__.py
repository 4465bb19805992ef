"""``python -m nb2pkg`` runs the command line."""

import sys

from nb2pkg.cli import main

sys.exit(main())
