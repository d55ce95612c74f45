"""PyInstaller's entry script for the built program: the same `main` as the `danvan` console script."""

import sys

from danvan_desktop.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
