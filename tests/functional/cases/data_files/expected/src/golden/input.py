"""Code of input.ipynb, as packaged by nb2pkg.

Generated file: edit the notebook, then run `nb2pkg build`.
"""

import csv

__all__ = [
    "read_sales",
    "total_by_region",
]


# nb2pkg: input.ipynb [id d3]
def read_sales(sales_path: str = "data/sales.csv"):
    """Read the sales export.

    Args:
        sales_path: path of a data file (default 'data/sales.csv').

    Returns:
        rows
    """
    with open(sales_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return rows


# nb2pkg: input.ipynb [id d4]
def total_by_region(rows, minimum: int = 1):
    """Step `total_by_region` of input.ipynb.

    Args:
        rows: output of `read_sales`.
        minimum: pipeline parameter (default 1).

    Returns:
        totals, amount
    """
    totals = {}
    for row in rows:
        amount = int(row["amount"])
        if amount >= minimum:
            totals[row["region"]] = totals.get(row["region"], 0) + amount
    return totals, amount
