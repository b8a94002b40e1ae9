"""``python -m skgauss`` runs the ``skgauss`` command."""

import sys

from .cli import main

sys.exit(main())
