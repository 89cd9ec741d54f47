"""`python -m server.cli ...` runs the `metakg` command line."""

from server.cli.commands import main

main()
