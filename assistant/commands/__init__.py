"""One module per ``assistant`` subcommand, each with ``add_parser(subparsers)``."""
