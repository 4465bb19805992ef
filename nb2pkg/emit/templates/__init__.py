"""Modules copied into every generated package: real Python, linted and type-checked here.

Each file is copied as it is (the emitter only renames the imports of the shared ``scoring``
and ``command_line`` modules to the package's ``_scoring`` and ``_command_line``), so what the
package runs is exactly what the tests here import. ``airflow_tasks`` is inlined into the
generated Airflow DAG instead (``nb2pkg.emit.airflow_export``).
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE_DIR = Path(__file__).parent
"""The folder holding the template modules, read by ``nb2pkg.emit`` when it writes a package."""
