"""``python -m tfsim``: the command line, as the ``tfsim`` script runs it."""

import sys

from tfsim.cli import main

sys.exit(main())
