"""Running the ``minigrad`` command in-process, for the command-line tests."""
from minigrad.cli import main


def run_main(capsys, *args):
    """``main(args)`` in-process: (exit code, stdout, stderr); argparse's exits included."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err
