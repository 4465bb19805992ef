"""Code of input.ipynb, as packaged by nb2pkg.

Generated file: edit the notebook, then run `nb2pkg build`.
"""

import statistics

__all__ = [
    "load_scores",
    "scale_scores",
    "summarise",
]


# nb2pkg: input.ipynb [id c03]
def load_scores():
    """Load.

    Read the raw scores.

    Returns:
        scores
    """
    scores = [35, 48, 52, 61, 70, 88]  # raw exam scores
    return scores


# nb2pkg: input.ipynb [id c06]
def scale_scores(scores, scale: float = 1.5, passing_mark: int = 50):
    """Scale

    Args:
        scores: output of `load_scores`.
        scale: pipeline parameter (default 1.5).
        passing_mark: pipeline parameter (default 50).

    Returns:
        scaled, passed
    """
    scaled = [s * scale for s in scores]
    passed = [s for s in scaled if s >= passing_mark]
    return scaled, passed


# nb2pkg: input.ipynb [id c07]
def summarise(scaled, passed):
    """Step `summarise` of input.ipynb.

    Args:
        scaled: output of `scale_scores`.
        passed: output of `scale_scores`.

    Returns:
        mean_score, pass_rate
    """
    mean_score = statistics.mean(scaled)
    pass_rate = len(passed) / len(scaled)
    return mean_score, pass_rate
