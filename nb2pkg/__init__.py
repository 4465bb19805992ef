"""nb2pkg: turn tagged notebook cells into a versioned, tested, pip-installable package."""

from __future__ import annotations

__version__ = "0.1.0"


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext nb2pkg`` registers the ``%nb2pkg`` magic."""
    from nb2pkg.frontends.magic import register

    register(ipython)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "nb2pkg"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "nb2pkg.frontends.server"}]
