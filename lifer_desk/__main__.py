"""`python -m lifer_desk`: the same as the `lifer-desk` command."""

from lifer_desk.cli import main

main()
