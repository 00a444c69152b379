"""Many cases checked in one test: pytest's own handling of a test costs about as much
as one small check, so a table's cases run in a loop, and a failure still names each
case that failed (``failures_of``), not only the first."""


def failures_of(check, cases, name=repr, errors=(AssertionError,)):
    """``check(case)`` for every case: the failures, one line each, naming the case
    (``name(case)``) and what failed; an error not in ``errors`` ends the test at once."""
    failures = []
    for case in cases:
        try:
            check(case)
        except errors as error:
            failures.append(f"{name(case)}: {type(error).__name__}: {error}")
    return failures
