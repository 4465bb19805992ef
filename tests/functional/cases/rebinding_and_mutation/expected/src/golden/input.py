"""Code of input.ipynb, as packaged by nb2pkg.

Generated file: edit the notebook, then run `nb2pkg build`.
"""

__all__ = [
    "add_y",
    "count_big",
    "drop_small",
    "load",
    "order",
]


# nb2pkg: input.ipynb [id c01]
def load():
    """Step `load` of input.ipynb.

    Returns:
        rows
    """
    rows = [{"x": 1}, {"x": 5}, {"x": 9}]
    return rows


# nb2pkg: input.ipynb [id c02]
def drop_small(rows):
    """Step `drop_small` of input.ipynb.

    Args:
        rows: output of `load`.

    Returns:
        rows
    """
    rows = [r for r in rows if r["x"] > 1]
    return rows


# nb2pkg: input.ipynb [id c04]
def add_y(rows, offset):
    """Step `add_y` of input.ipynb.

    Args:
        rows: output of `drop_small`.
        offset: input the notebook computed outside the package.

    Returns:
        rows

    Changes in place: rows.
    """
    for r in rows:
        r["y"] = r["x"] + offset
    rows.append({"x": 0, "y": offset})
    return rows


# nb2pkg: input.ipynb [id c05]
def order(rows, threshold: int = 3):
    """Step `order` of input.ipynb.

    Args:
        rows: output of `add_y`.
        threshold: pipeline parameter (default 3).

    Returns:
        rows, big
    """
    rows = sorted(rows, key=lambda r: r["y"])
    big = [r for r in rows if r["x"] > threshold]
    return rows, big


# nb2pkg: input.ipynb [id c06]
def count_big(big):
    """Step `count_big` of input.ipynb.

    Args:
        big: output of `order`.

    Returns:
        count
    """
    count = len(big)
    return count
