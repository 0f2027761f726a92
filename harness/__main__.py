"""``python -m harness`` runs the ``renkei`` command."""

import sys

from harness.cli.main import main

sys.exit(main())
