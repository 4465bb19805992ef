"""Modules copied into every generated package: real Python, linted and type-checked here.

Each file is copied as it is (the emitter only renames the shared ``scoring`` import), so what
the package runs is exactly what the tests here import.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE_DIR = Path(__file__).parent
"""The folder holding the template modules, read by ``nb2pkg.emit`` when it writes a package."""
