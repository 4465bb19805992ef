"""Code of input.ipynb, as packaged by nb2pkg.

Generated file: edit the notebook, then run `nb2pkg build`.
"""

from golden import helpers
from golden.helpers import shout
from golden.input import parse

__all__ = [
    "summarise",
]


# nb2pkg: input.ipynb [id c02]
def summarise(records):
    """Step `summarise` of input.ipynb.

    Args:
        records: output of `read_records`.

    Returns:
        total, banner, first
    """
    total = sum(r.value for r in records)
    banner = shout(helpers.describe(total))
    first = parse("z,3")
    return total, banner, first
