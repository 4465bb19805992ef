"""Short names for what nb2pkg generates: functions from headings or code, modules from files.

Rules a reader can predict:

* **from a heading**: numbering is dropped (``2.1``, ``Step 3:``), then articles, pronouns and
  fillers (``the``, ``our``, ``let's``…); a leading gerund becomes a verb (``Adding`` → ``add``);
  at most four words are kept, and a phrase is never cut after a linking word
  (``Should we be confident in the model?`` → ``should_be_confident``, not
  ``should_we_be_confident_in``) or a participle (``Create a pie chart presenting the
  proportion`` → ``create_pie_chart``). A label before a colon (``Example:``) and an opener (``So,``)
  go too. A gerund that describes the noun after it (``Rolling windows``, ``The Hashing
  Trick``, ``Floating-point numbers``) stays as it is: the heading names a thing.
* **a topic heading**: one word that is not a verb (``## Model``) takes the verb of what the
  code does (``fit_model``); ``## Load`` stays ``load``.
* **from code**: what the code produces: ``load_data`` for a ``read_csv``, ``fit_model`` for a
  ``model.fit``, ``split_data`` for a ``train_test_split``, ``clean_df`` for cells that rework
  ``df``, ``compute_<name>`` for any other value.
* **never shadowing**: no keyword, builtin, module of Python itself, module the notebook imports
  or well-known data-science module (a function ``numpy()`` would hide ``import numpy``).
* **from a file name**: as before when it is short; over 30 characters, filler words go and
  whole words are kept up to 30 characters.
"""

from __future__ import annotations

import builtins
import keyword
import re
import sys
from collections.abc import Set

from nb2pkg.plan.name_words import FILLERS, LINKING, WELL_KNOWN_MODULES
from nb2pkg.plan.verbs import COMMON_VERBS, is_heading_verb, verb_of, verb_of_action_noun

MAX_FUNCTION_WORDS = 4
MAX_FILE_NAME_CHARS = 30

_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"<[^>]+>")
_APOSTROPHE = re.compile(r"(?<=[A-Za-z])['\u2019](?=[A-Za-z])")
_LEADING_NUMBERING = re.compile(
    r"^(?:(?:step|part|section|chapter|lesson|exercise)\s*\d+[.):\-]?|\d+(?:\.\d+)*[.):]"
    r"|\d+(?:\.\d+)+)\s+",
    re.IGNORECASE,
)
_BUILTIN_NAMES = frozenset(dir(builtins))


def words_of(text: str) -> list[str]:
    """Lowercase words of a heading or file name; camelCase is split, ``NumPy`` is one word."""
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _HTML_TAG.sub(" ", text)
    text = _LEADING_NUMBERING.sub("", text.strip())
    text = _APOSTROPHE.sub("", text)  # "Don't forget" → dont_forget, not don_t_forget
    words: list[str] = []
    for word in re.findall(r"[A-Za-z0-9]+", text):
        # Why only words that start lowercase: trainModel → train_model, but NumPy → numpy.
        if word[0].islower():
            words.extend(re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", word))
        else:
            words.append(word)
    return [w.lower() for w in words]


_WISH_LEADS = (
    ("want", "to"),
    ("need", "to"),
    ("how", "to"),
    ("how", "do"),
    ("how", "can"),
    ("when", "to"),
)
"""A question's lead-in before the action it asks about: ``What if you want to join on one
index?`` → ``join_on_one_index``; ``How do I read a file?`` → ``read_file``."""
_NEGATIONS = frozenset({"dont", "doesnt", "isnt", "arent", "cant", "wont", "not", "no"})
"""Where a relative clause turns: ``join on don't have the same name`` is cut to ``join``."""
_REMINDERS = (
    ("dont", "forget", "to"),
    ("dont", "forget"),
    ("do", "not", "forget", "to"),
    ("do", "not", "forget"),
    ("remember", "to"),
    ("make", "sure", "to"),
    ("be", "sure", "to"),
    ("note",),
    ("tip",),
)
"""Openings of a heading that reminds the reader (``Don't forget to include…``): the name is
what follows them."""


_LABELS = frozenset({"question", "exercise", "task", "step", "part", "problem", "q", "ex"})
"""A numbered label a heading may open with (``Question 1: What was the best month?``): the
name is what follows it."""


_QUESTION_AUXILIARIES = frozenset(
    {"is", "was", "are", "were", "do", "does", "did", "should", "would", "could", "can", "we"}
    | {"i", "you", "they"}
)


_LABEL_BEFORE_COLON = re.compile(
    r"^\s*(?:example|exercise|question|task|problem|bonus|note)\s*\d*\s*:\s*(?=\S)",
    re.IGNORECASE,
)
"""``Example: What is the average height?``: the name is what follows the label."""
_OPENERS = frozenset({"so", "ok", "okay"})
"""Words a heading may open with before what it says (``So, which borough…?``)."""
_ADJECTIVE_GERUNDS = frozenset(
    {
        "rolling",
        "overlapping",
        "missing",
        "existing",
        "remaining",
        "sliding",
        "moving",
        "expanding",
        "floating",
        "underlying",
        "corresponding",
        "matching",
        "trailing",
        "increasing",
        "decreasing",
        "resulting",
        "interesting",
        "upcoming",
        "ongoing",
        "preceding",
    }
)
"""Gerunds a heading uses as adjectives before a noun (``Rolling windows``, ``Missing
values``): the heading names a thing, not the action of rolling or missing."""


def _describes_a_noun(heading: str, words: list[str]) -> bool:
    """Whether the heading's first word (a gerund) describes the noun after it rather than
    naming an action: after an article (``The Hashing Trick``), joined to the next word by a
    hyphen (``Floating-Point Numbers``) or a gerund used as an adjective (``Rolling
    Windows``)."""
    first = next((i for i, w in enumerate(words) if w not in FILLERS), None)
    if first is None or first + 1 >= len(words) or verb_of(words[first]) == words[first]:
        return False
    word = words[first]
    return (
        (first > 0 and words[first - 1] in {"a", "an", "the"})
        or word in _ADJECTIVE_GERUNDS
        or re.search(rf"\b{word}-\w", heading, re.IGNORECASE) is not None
    )


def _said(heading: str) -> tuple[str, list[str]]:
    """The heading without its numbering and a label before a colon, and its words without
    an opener (``So,``)."""
    heading = _LABEL_BEFORE_COLON.sub("", _LEADING_NUMBERING.sub("", heading.strip()))
    words = words_of(heading)
    while len(words) > 1 and words[0] in _OPENERS:
        words = words[1:]
    return heading, words


def heading_name(heading: str) -> str:
    """A short verb phrase from a heading; ``""`` when nothing usable is left."""
    heading, words = _said(heading)
    if len(words) > 2 and words[0] in _LABELS and words[1].isdigit():
        words = words[2:]
    describes = _describes_a_noun(heading, words)
    if len(words) > 1 and words[0] in {"what", "whats", "which"} and words[1] not in {"if", "up"}:
        # "What was the best month for sales?" → find_best_month_for_sales
        words = ["find", *(w for w in words[1:] if w not in _QUESTION_AUXILIARIES)]
    for reminder in _REMINDERS:
        if tuple(words[: len(reminder)]) == reminder and len(words) > len(reminder):
            words = words[len(reminder) :]
            break
    words = [w for w in words if w not in FILLERS]
    for index in range(len(words) - 2):
        if (words[index], words[index + 1]) in _WISH_LEADS:
            # "How to deal with timestamps" → deal_with_timestamps
            words = words[index + 2 :]
            if index and _NEGATIONS.intersection(words):
                words = words[: min(words.index(n) for n in _NEGATIONS.intersection(words))]
            break
    if (
        len(words) >= 2
        and verb_of_action_noun(words[1])
        and not _is_modifier(words[0])
        and (len(words) == 2 or words[2] in LINKING)
    ):
        # "Model Evaluation" → evaluate_model; "Model training via torch.nn" → train_model
        words = [verb_of_action_noun(words[1]), words[0]]
    if words and verb_of(words[0]) != words[0] and not describes:
        # "Building and evaluating a model" → build_and_evaluate_model
        words = [
            verb_of(w) if i == 0 or words[i - 1] in {"and", "or"} else w
            for i, w in enumerate(words)
        ]
    words = list(dict.fromkeys(words))  # "Raising exceptions: raise" → raise_exceptions
    cut = len(words) > MAX_FUNCTION_WORDS
    words = words[:MAX_FUNCTION_WORDS]
    while words and words[-1] in LINKING:
        words.pop()
    if cut and len(words) > 2 and words[-1].endswith("ing"):
        # "Create a pie chart presenting the proportion" → create_pie_chart: the cut left
        # the participle that opens the rest of the phrase
        words.pop()
        while words and words[-1] in LINKING:
            words.pop()
    while words and words[0] in LINKING - {"how", "what", "which", "why", "when", "where"}:
        words.pop(0)
    return "_".join(words)


_MODIFIER_ENDINGS = ("al", "ic", "ive", "ous", "ar", "ed", "ful", "less", "ble")
_MODIFIERS = frozenset({"cross", "deep", "multi"})


def _is_modifier(word: str) -> bool:
    """Whether ``word`` describes the action after it rather than being its object
    (``Hierarchical clustering``, ``Cross validation``): no verb-object name from it."""
    return word in _MODIFIERS or (len(word) > 4 and word.endswith(_MODIFIER_ENDINGS))


_CLAUSE_WORDS = frozenset(
    {
        "is",
        "are",
        "was",
        "were",
        "be",
        "can",
        "could",
        "should",
        "would",
        "must",
        "may",
        "might",
        "does",
        "do",
        "did",
        "has",
        "have",
        "how",
        "what",
        "whats",
        "why",
        "when",
        "which",
        "where",
        "works",
    }
)
"""Words that make a heading a question or a clause (``How boosting works``, ``Should we be
confident?``): it holds a verb, and its name stays as the heading says it."""
_NUMBER_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "few",
        "many",
        "several",
    ]
)


def names_an_action(heading: str, name: str) -> bool:
    """Whether the name ``heading_name`` made of ``heading`` is a verb phrase: it starts with
    a verb (written as one, or made from a gerund or a noun of action) or the heading is a
    question or clause. ``Two excellent references`` and ``Limitation of approach`` hold no
    verb: a step under them is named from its code."""
    words = name.split("_")
    if not words[0] or is_heading_verb(words[0]) or _CLAUSE_WORDS.intersection(words):
        return True
    if words[0] in _VERB_PREFIXES and len(words) > 1 and is_heading_verb(words[1]):
        return True  # "Cross-validate a model", "Re-train the model"
    said = _said(heading)[1]
    return words[0] not in said  # a gerund or noun of action made a verb: "Adding" → add


_VERB_PREFIXES = frozenset({"cross", "re", "pre"})
"""The first half of a hyphenated verb (``cross-validate``): with a verb after it, a verb."""


def noun_phrase_name(name: str, from_code: str, taken: Set[str] = frozenset()) -> str:
    """The name of a step under a heading that names a thing, not an action (``names_an_action``
    is false): the verb of what its code does and the heading's noun (``Covariance matrix``
    → ``compute_covariance_matrix``) when the heading is a short noun, else the name from its
    code alone (``Two excellent references`` → ``fit_pca``). When that says little (a one- or
    two-letter value, ``compute_x``, or a name ``taken`` already, which would get a number),
    the verb of the code leads the heading's words instead (``List indexing and slicing`` →
    ``compute_list_indexing``); ``""`` when the code gives no name."""
    words = name.split("_")
    verb, _, noun = from_code.partition("_")
    if not noun:
        return ""
    short = len(words) <= 2 and not (_NUMBER_WORDS | LINKING).intersection(words)
    if short and not any(w.isdigit() for w in words):
        return f"{verb}_{name}"
    if (len(noun) > 2 and from_code not in taken) or _NUMBER_WORDS.intersection(words):
        return from_code  # "Two excellent references" names no value
    lead: list[str] = []
    for word in words[:3]:
        if word in LINKING:
            break  # "Application of PCA to digits" → application
        lead.append(word)
    return f"{verb}_{'_'.join(lead)}" if lead else from_code


def topic_name(heading: str, from_code: str) -> str:
    """The name of a one-word heading that names a topic, not an action (``## Model``): the
    verb of what its code does with that word (``fit_model``). A verb heading (``## Load``,
    ``## Preprocessing``), or code with no verb phrase, keeps the heading's own name."""
    name = heading_name(heading)
    if "_" in name or name in COMMON_VERBS:
        return name
    verb = verb_of_action_noun(name)
    if verb:
        return verb  # "## Evaluation" → evaluate
    if "_" not in from_code:
        return name
    if name != next((w for w in _said(heading)[1] if w not in FILLERS), name):
        return name  # a gerund made a verb: "Adding" → add
    verb = from_code.split("_", 1)[0]
    if name in _MADE_TOPICS and verb not in _CODE_VERBS - {"clean"}:
        return f"make_{name}"  # "## Features" over new columns: make_features, not clean_…
    return f"{verb}_{name}"


_MADE_TOPICS = frozenset({"features"})
"""Topics a step makes unless its code loads, splits, fits, merges or saves them."""


_CODE_VERBS = frozenset({"load", "split", "fit", "clean", "merge", "save"})
"""Verbs of a name from code (nb2pkg.plan.content_names) that say exactly what a step does."""
_QUESTION_WORDS = frozenset({"what", "whats", "which", "why", "how", "who", "where", "when"})


def code_name_says_more(heading: str, name: str, from_code: str) -> bool:
    """Whether the name from a step's code (``split_data``) says more than the one from its
    heading: the heading asks a question (``What drives conversion?``) or only names the
    code's verb (``## Split``). A heading that says what to do keeps its name."""
    verb = from_code.split("_", 1)[0]
    if verb not in _CODE_VERBS or "_" not in from_code:
        return False
    said = [w for w in _said(heading)[1] if w not in FILLERS]
    if name == verb:
        return True  # "## Split" → split_data
    question = heading.rstrip().endswith("?") or bool(said and said[0] in _QUESTION_WORDS)
    return question or bool(said and said[1:2] and said[1] in _QUESTION_WORDS)


def shadows(name: str, modules: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether a function called ``name`` would hide a keyword, builtin or importable module."""
    return (
        keyword.iskeyword(name)
        or keyword.issoftkeyword(name)
        or name in _BUILTIN_NAMES
        or name in sys.stdlib_module_names
        or name in WELL_KNOWN_MODULES
        or name in modules
    )


def short_file_name(snake: str, limit: int = MAX_FILE_NAME_CHARS) -> str:
    """A module or package name no longer than ``limit`` from a long snake_case file name.

    A name within the limit is returned as it is, so short names never change.
    """
    if len(snake) <= limit:
        return snake
    words = [w for w in snake.split("_") if w]
    kept = [w for w in words if w not in FILLERS and w not in LINKING] or words
    name = ""
    for word in kept:
        candidate = f"{name}_{word}" if name else word
        if len(candidate) > limit:
            break
        name = candidate
    return name or kept[0][:limit]
