"""Code of input.ipynb, as packaged by nb2pkg.

Generated file: edit the notebook, then run `nb2pkg build`.
"""

__all__ = [
    "make_cube",
    "make_square",
]


# nb2pkg: input.ipynb [id hbb9a73a79cf]
def make_square(base: int = 2):
    """Step `make_square` of input.ipynb.

    Args:
        base: pipeline parameter (default 2).

    Returns:
        square
    """
    square = base**2
    return square


# nb2pkg: input.ipynb [id h98fd1171e89]
def make_cube(square, base: int = 2):
    """Step `make_cube` of input.ipynb.

    Args:
        square: output of `make_square`.
        base: pipeline parameter (default 2).

    Returns:
        cube
    """
    cube = square * base
    return cube
