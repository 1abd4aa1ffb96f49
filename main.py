"""Start the Poster Studio window: ``python main.py [--workspace DIR] [--demo]``."""

import sys

from poster_tool.gui.app import run

if __name__ == "__main__":
    sys.exit(run(sys.argv))
