"""User interfaces over the builder: the typed API, the CLI, the IPython magic and the Jupyter server extension."""
