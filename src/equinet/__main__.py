"""`python -m equinet`: the same command line as `equinet`."""

from equinet.cli import main

main()
