"""``python -m poster_tool`` runs the command-line interface."""

from __future__ import annotations

import sys

from poster_tool.cli import main

sys.exit(main())
