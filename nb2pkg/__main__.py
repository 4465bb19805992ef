"""``python -m nb2pkg`` runs the command line.

``python -m`` puts the working folder first on ``sys.path``; a notebook's folder may hold modules
named like nb2pkg's dependencies (``libcst.py``, ``packaging.py``), which would then be imported,
and run, instead of them. The folder is taken off the path before anything else is imported, as
the ``nb2pkg`` console script (whose first entry is its own folder) never has it.
"""

import os
import sys

if sys.path and not getattr(sys.flags, "safe_path", False) and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from nb2pkg.frontends.cli.main import main  # after the working folder is off the path

sys.exit(main())
