"""Code of input.ipynb, as packaged by nb2pkg.

Generated file: edit the notebook, then run `nb2pkg build`.
"""

import math

__all__ = [
    "compute_area",
    "compute_circumference",
    "touch_area",
]


# nb2pkg: input.ipynb [id c01]
def compute_area():
    """Step `compute_area` of input.ipynb.

    Returns:
        radius, area
    """
    radius = 2.0
    area = math.pi * radius**2
    return radius, area


# nb2pkg: input.ipynb [id c02]
def compute_circumference(radius):
    """Step `compute_circumference` of input.ipynb.

    Args:
        radius: output of `compute_area`.

    Returns:
        circumference
    """
    circumference = 2 * math.pi * radius
    return circumference


# nb2pkg: input.ipynb [id c03]
def touch_area(area):
    """Step `touch_area` of input.ipynb.

    Args:
        area: output of `compute_area`.

    Returns:
        area
    """
    for factor in range(2):
        area = area * 1
    return area
