"""Notebook files: read and validate ``.ipynb``, edit cell tags in place, IPython syntax → Python."""
