"""Code of input.ipynb, as packaged by nb2pkg.

Generated file: edit the notebook, then run `nb2pkg build`.
"""

from dataclasses import dataclass

__all__ = [
    "Record",
    "collect_names",
    "parse",
    "read_records",
]


# nb2pkg: input.ipynb [id c00]
SEPARATOR = ","


@dataclass
class Record:
    name: str
    value: float


def parse(line):
    name, value = line.split(SEPARATOR)
    return Record(name, float(value))


# nb2pkg: input.ipynb [id c01]
def read_records():
    """Step `read_records` of input.ipynb.

    Returns:
        lines, records
    """
    lines = ["a,1", "b,2.5"]
    records = [parse(l) for l in lines]
    return lines, records


# nb2pkg: input.ipynb [id c03]
def collect_names(records):
    """Step `collect_names` of input.ipynb.

    Args:
        records: output of `read_records`.

    Returns:
        names
    """
    names = [r.name for r in records]
    return names
