"""``UsageError``: a bad command line, reported as one line on stderr with exit code 2."""


class UsageError(Exception):
    """An option the command cannot run with; ``minigrad`` prints the message and exits with 2
    (the exit code argparse uses for bad arguments)."""
