"""`python -m authcheck` runs the same command line as the `authcheck` script."""

from .cli import entry

if __name__ == "__main__":
    entry()
