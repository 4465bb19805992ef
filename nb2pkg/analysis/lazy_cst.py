"""libcst, imported the first time one of its names is read.

``import libcst`` costs about 0.2 s of CPU (it builds some 400 node classes): a quarter of a
300-cell build whose cells all take the ``ast`` path and never need it. A module that uses
libcst inside its functions only binds ``cst`` from here instead of importing it::

    if TYPE_CHECKING:
        import libcst as cst
    else:
        from nb2pkg.analysis.lazy_cst import cst

Type checkers see the real module; at run time ``cst.Module`` imports libcst on first use and
is an ordinary attribute lookup after that. A module that subclasses a libcst class at its top
level imports libcst when it is imported: its importers import it where they use it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any


class _ImportedOnFirstUse(ModuleType):
    def __getattr__(self, name: str) -> Any:
        import libcst  # an import statement, which ``python -X importtime`` reports

        # Every later lookup finds the module's names here, without this method.
        vars(self).update(vars(libcst))
        return getattr(libcst, name)


cst = _ImportedOnFirstUse("libcst")
