"""Subcommands of the ``nb2pkg`` CLI, one module each (``add_parser`` + ``run``)."""
