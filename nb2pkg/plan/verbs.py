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
    "creating": "create",
    "parsing": "parse",
    "reversing": "reverse",
    "traversing": "traverse",
    "labelling": "label",
    "interpreting": "interpret",
    "editing": "edit",
    "visiting": "visit",
    "limiting": "limit",
    "targeting": "target",
    "developing": "develop",
    "controlling": "control",
    "cancelling": "cancel",
    "travelling": "travel",
    "signalling": "signal",
    "patrolling": "patrol",
}
_NOT_GERUNDS = frozenset(
    {
        "string",
        "thing",
        "something",
        "nothing",
        "anything",
        "everything",
        "king",
        "spring",
        "ring",
        "morning",
        "evening",
        "ceiling",
    }
)
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


HEADING_VERBS = COMMON_VERBS | frozenset(
    [
        "access",
        "add",
        "append",
        "apply",
        "assess",
        "assign",
        "attach",
        "average",
        "bootstrap",
        "bin",
        "broadcast",
        "control",
        "debug",
        "hide",
        "sum",
        "bring",
        "calculate",
        "catch",
        "center",
        "change",
        "choose",
        "clip",
        "collect",
        "combine",
        "compile",
        "concatenate",
        "configure",
        "construct",
        "convert",
        "copy",
        "count",
        "create",
        "crop",
        "cut",
        "deal",
        "decode",
        "define",
        "delete",
        "describe",
        "design",
        "detect",
        "determine",
        "dig",
        "discover",
        "display",
        "divide",
        "draw",
        "drop",
        "edit",
        "eliminate",
        "embed",
        "estimate",
        "examine",
        "execute",
        "expand",
        "explain",
        "extend",
        "extract",
        "fill",
        "find",
        "fix",
        "flatten",
        "format",
        "generate",
        "get",
        "go",
        "guess",
        "handle",
        "identify",
        "illustrate",
        "implement",
        "improve",
        "include",
        "initialize",
        "initialise",
        "install",
        "interpret",
        "introduce",
        "investigate",
        "invert",
        "iterate",
        "keep",
        "label",
        "learn",
        "locate",
        "look",
        "make",
        "manipulate",
        "map",
        "mask",
        "match",
        "maximize",
        "measure",
        "meet",
        "minimize",
        "modify",
        "motivate",
        "move",
        "multiply",
        "normalise",
        "obtain",
        "open",
        "pad",
        "parse",
        "partition",
        "perform",
        "pick",
        "pivot",
        "prune",
        "put",
        "query",
        "rank",
        "recover",
        "reduce",
        "refit",
        "remove",
        "rename",
        "render",
        "reorder",
        "repeat",
        "replace",
        "represent",
        "rescale",
        "reset",
        "resize",
        "restore",
        "retrieve",
        "review",
        "rotate",
        "run",
        "scrape",
        "search",
        "separate",
        "set",
        "setup",
        "shift",
        "show",
        "shuffle",
        "simulate",
        "slice",
        "smooth",
        "solve",
        "specify",
        "stack",
        "standardize",
        "start",
        "store",
        "study",
        "subset",
        "take",
        "tokenize",
        "track",
        "translate",
        "transpose",
        "try",
        "understand",
        "unpack",
        "update",
        "upload",
        "use",
        "vectorize",
        "verify",
        "view",
        "walk",
        "wrap",
    ]
)
"""Verbs a heading that says what to do starts with (``Fill the gaps``)."""
_IRREGULAR_ACTION_NOUNS = {
    "analysis": "analyze",
    "reduction": "reduce",
    "comparison": "compare",
    "definition": "define",
    "conversion": "convert",
    "selection": "select",
    "detection": "detect",
    "extraction": "extract",
    "prediction": "predict",
    "inspection": "inspect",
    "construction": "construct",
    "execution": "execute",
    "correction": "correct",
    "training": "train",
    "cleaning": "clean",
    "engineering": "engineer",
    "building": "build",
    "tuning": "tune",
    "scaling": "scale",
    "splitting": "split",
    "loading": "load",
    "preprocessing": "preprocess",
    "encoding": "encode",
    "clustering": "cluster",
    "plotting": "plot",
    "testing": "test",
    "fitting": "fit",
    "sampling": "sample",
    "filtering": "filter",
    "merging": "merge",
    "sorting": "sort",
    "scoring": "score",
    "imputation": "impute",
}
"""Nouns of action whose verb the ``-ation`` rule does not find, and the gerunds a topic
heading uses as nouns (``Data cleaning``, ``Model training``)."""


def is_heading_verb(word: str) -> bool:
    """Whether ``word`` is a verb a heading may start with (``fill``, ``vectorize``)."""
    return word in HEADING_VERBS or (
        len(word) >= 6 and word.endswith(("ize", "yze", "ise", "ify")) and word not in _NOT_VERBS
    )


_NOT_VERBS = frozenset({"exercise", "expertise", "enterprise", "premise", "promise", "noise"})


def verb_of_action_noun(word: str) -> str:
    """``evaluation`` → ``evaluate``, ``preparation`` → ``prepare``, ``transformation`` →
    ``transform``, ``selection`` → ``select``, ``cleaning`` → ``clean``: the common verb a
    noun of action names; ``""`` for other words."""
    if word in _IRREGULAR_ACTION_NOUNS:
        return _IRREGULAR_ACTION_NOUNS[word]
    if not word.endswith("ation"):
        return ""
    stem = word[: -len("ation")]
    return next((v for v in (stem + "ate", stem + "e", stem) if v in HEADING_VERBS), "")


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
    if stem.endswith(("oat", "eat")) or (len(stem) >= 5 and stem.endswith("en")):
        return stem  # floating → float, repeating → repeat, broadening → broaden
    if stem.endswith(("at", "iz", "yz", "us", "ur")) or (
        stem[-1] == "l" and stem[-2] not in vowels + "l"
    ):  # creating, normalizing, analyzing, handling (not filling)
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
