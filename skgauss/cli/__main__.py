"""``python -m skgauss.cli`` runs the ``skgauss`` command."""

import sys

from . import main

sys.exit(main())
