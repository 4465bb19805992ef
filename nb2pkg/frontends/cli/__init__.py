"""Subcommands of the ``nb2pkg`` CLI: each one's arguments in a light ``*_parser`` module
(``add_parser``; the CLI builds its parser from these alone), its work in ``*_command``
(``run``), imported only when the command runs."""
