"""Entry points: the command line, the GitHub Action run, and the `review` command."""
