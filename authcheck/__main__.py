"""`python -m authcheck` runs the same command line as the `authcheck` script."""

from authcheck.cli.launcher import entry

if __name__ == "__main__":
    entry()
