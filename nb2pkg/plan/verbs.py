"""Verbs for generated names: ``adding`` → ``add``, ``evaluation`` → ``evaluate``.

Used by nb2pkg.plan.step_names, which turns headings into function names.
"""

from __future__ import annotations

_IRREGULAR_GERUNDS = {
    "merging": "merge",
    "changing": "change",
    "arranging": "arrange",
    "being": "be",
    "having": "have",
    "doing": "do",
    "going": "go",
    "seeing": "see",
    "using": "use",
    "ensembling": "ensemble",
    "exploring": "explore",
    "preparing": "prepare",
    "comparing": "compare",
    "scoring": "score",
    "storing": "store",
    "sharing": "share",
    "opening": "open",
    "modeling": "model",
    "modelling": "model",
    "labeling": "label",
    "pivoting": "pivot",
    "listening": "listen",
    "happening": "happen",
}
_NOT_GERUNDS = frozenset({"string", "thing", "something", "nothing", "king", "spring", "ring"})
COMMON_VERBS = frozenset(
    [
        "aggregate",
        "analyse",
        "analyze",
        "build",
        "calculate",
        "check",
        "classify",
        "clean",
        "cluster",
        "compare",
        "compute",
        "deploy",
        "download",
        "encode",
        "engineer",
        "evaluate",
        "explore",
        "export",
        "fetch",
        "filter",
        "fit",
        "group",
        "impute",
        "infer",
        "inspect",
        "join",
        "load",
        "merge",
        "normalize",
        "optimize",
        "plot",
        "predict",
        "prepare",
        "preprocess",
        "read",
        "reshape",
        "resample",
        "sample",
        "save",
        "scale",
        "score",
        "select",
        "serve",
        "sort",
        "split",
        "summarise",
        "summarize",
        "test",
        "train",
        "transform",
        "tune",
        "validate",
        "visualise",
        "visualize",
        "write",
    ]
)
"""Verbs a one-word heading is likely to be (``## Load``): kept as the function's name."""


def verb_of_action_noun(word: str) -> str:
    """``evaluation`` → ``evaluate``, ``preparation`` → ``prepare``, ``transformation`` →
    ``transform``: the common verb a noun of action names; ``""`` for other words."""
    if not word.endswith("ation"):
        return ""
    stem = word[: -len("ation")]
    return next((v for v in (stem + "ate", stem + "e", stem) if v in COMMON_VERBS), "")


def verb_of(word: str) -> str:
    """``adding`` → ``add``, ``loading`` → ``load``, ``scaling`` → ``scale``; other words as they are."""
    if word in _IRREGULAR_GERUNDS:
        return _IRREGULAR_GERUNDS[word]
    if not word.endswith("ing") or len(word) < 6 or word in _NOT_GERUNDS:
        return word
    stem = word[:-3]
    vowels = "aeiou"
    if stem.endswith("v") or (
        stem[-1] in "sz" and stem[-2] in vowels and stem[-3] in vowels
    ):  # solving → solve, choosing → choose, raising → raise
        return stem + "e"
    if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "lsz" + vowels:
        return stem[:-1]  # putting → put, splitting → split
    if stem.endswith(("at", "iz", "us", "ur")) or (
        stem[-1] == "l" and stem[-2] not in vowels
    ):  # creating, normalizing, handling
        return stem + "e"
    if (
        len(stem) >= 3
        and stem[-1] not in vowels + "wxy"
        and stem[-2] in vowels
        and stem[-3] not in vowels
        and stem[-1] != "r"
    ):
        return stem + "e"  # making → make, scaling → scale, computing → compute
    return stem
