"""``python -m minigrad``: the ``minigrad`` command line (``minigrad.cli``).

With no arguments it runs ``minigrad train``: an MLP learns two interleaved
spirals, with a progress bar and a summary line. ``python -m minigrad -h``
lists the commands.
"""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
