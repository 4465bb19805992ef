"""Version bumps from API snapshot diffs, overrides, and the CHANGELOG."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from nb2pkg.builder.api_diff import Impact
from nb2pkg.builder.changelog import changelog_entry, update_changelog
from nb2pkg.builder.versioning import VersionDecision, decide_version
from nb2pkg.ir import ApiSnapshot, FunctionApi, ParamApi


def fn(
    name: str,
    *params: str,
    returns: tuple[str, ...] = ("out",),
    body: str = "b1",
    module: str = "churn",
) -> FunctionApi:
    """``fn("train", "df", "lr=0.1")``: a parameter with ``=`` has that default."""
    parsed = tuple(
        ParamApi(p.split("=", 1)[0], p.split("=", 1)[1] if "=" in p else None) for p in params
    )
    return FunctionApi(name=name, module=module, params=parsed, returns=returns, body_sha256=body)


def api(*functions: FunctionApi, run: tuple[str, ...] = ()) -> ApiSnapshot:
    return ApiSnapshot(functions=functions, run_params=fn("run", *run).params)


BASE = api(fn("clean", "df"), fn("train", "df", "lr=0.1"), run=("n_estimators=300",))


def decide(
    current: ApiSnapshot, previous_version: str = "0.3.1", **overrides: str
) -> VersionDecision:
    decision, problems = decide_version(BASE, previous_version, current, **overrides)
    assert [p for p in problems if p.is_error] == []
    assert decision is not None
    return decision


@pytest.mark.parametrize(
    ("current", "bump_in_0x", "bump_in_1x", "change"),
    [
        (
            api(fn("train", "df", "lr=0.1"), run=("n_estimators=300",)),
            "minor",
            "major",
            "removed function `clean`",
        ),
        (
            api(
                fn("clean", "df"), fn("train", "df", "learning_rate=0.1"), run=("n_estimators=300",)
            ),
            "minor",
            "major",
            "`train`: parameter `lr` renamed to `learning_rate`",
        ),
        (
            api(fn("clean", "df"), fn("train", "lr=0.1", "df"), run=("n_estimators=300",)),
            "minor",
            "major",
            "`train`: parameters reordered from (df, lr) to (lr, df)",
        ),
        (
            api(fn("clean", "df"), fn("train", "df"), run=("n_estimators=300",)),
            "minor",
            "major",
            "`train`: removed parameter `lr`",
        ),
        (
            api(fn("clean", "df"), fn("train", "df", "lr=0.1", "x"), run=("n_estimators=300",)),
            "minor",
            "major",
            "`train`: added required parameter `x`",
        ),
        (
            api(fn("clean", "df"), fn("train", "df", "lr"), run=("n_estimators=300",)),
            "minor",
            "major",
            "`train`: parameter `lr` is now required (was `lr=0.1`)",
        ),
        (
            api(
                fn("clean", "df"),
                fn("train", "df", "lr=0.1", returns=("model", "score")),
                run=("n_estimators=300",),
            ),
            "minor",
            "major",
            "`train`: returns model, score (was out)",
        ),
        (
            api(
                fn("clean", "df", module="prep"),
                fn("train", "df", "lr=0.1"),
                run=("n_estimators=300",),
            ),
            "minor",
            "major",
            "`clean`: moved from module `churn` to `prep`",
        ),
        (
            api(
                fn("clean", "seed=0", "df"), fn("train", "df", "lr=0.1"), run=("n_estimators=300",)
            ),
            "minor",
            "major",
            "`clean`: added optional parameter `seed=0` before existing parameter `df` (positional arguments shift)",
        ),
        (
            api(fn("clean", "df"), fn("train", "df", "lr=0.1"), run=()),
            "minor",
            "major",
            "`run`: removed parameter `n_estimators`",
        ),
        (
            api(fn("clean", "df"), fn("train", "df", "lr=0.1"), run=("n_estimators=300", "data")),
            "minor",
            "major",
            "`run`: added required parameter `data`",
        ),
        (
            api(
                fn("clean", "df"),
                fn("train", "df", "lr=0.1"),
                fn("score", "model"),
                run=("n_estimators=300",),
            ),
            "minor",
            "minor",
            "added function `score`",
        ),
        (
            api(
                fn("clean", "df"), fn("train", "df", "lr=0.1", "seed=0"), run=("n_estimators=300",)
            ),
            "minor",
            "minor",
            "`train`: added optional parameter `seed=0`",
        ),
        (
            api(fn("clean", "df=None"), fn("train", "df", "lr=0.1"), run=("n_estimators=300",)),
            "minor",
            "minor",
            "`clean`: parameter `df` is now optional (`df=None`)",
        ),
        (
            api(fn("clean", "df"), fn("train", "df", "lr=0.1"), run=("seed=1", "n_estimators=300")),
            "minor",
            "minor",
            "`run`: added optional parameter `seed=1`",
        ),
        (
            api(
                fn("clean", "df"), fn("train", "df", "lr=0.1", body="b2"), run=("n_estimators=300",)
            ),
            "patch",
            "patch",
            "`train`: code changed",
        ),
        (
            api(fn("clean", "df"), fn("train", "df", "lr=0.5"), run=("n_estimators=300",)),
            "patch",
            "patch",
            "`train`: default of `lr` changed from `0.1` to `0.5`",
        ),
        (
            api(fn("clean", "df"), fn("train", "df", "lr=0.1"), run=("n_estimators=500",)),
            "patch",
            "patch",
            "`run`: default of `n_estimators` changed from `300` to `500`",
        ),
    ],
)
def test_each_api_change_gets_the_bump_design_md_names(
    current: ApiSnapshot, bump_in_0x: str, bump_in_1x: str, change: str
) -> None:
    in_0x = decide(current, "0.3.1")
    in_1x = decide(current, "1.3.1")

    assert (in_0x.bump, in_0x.changes) == (bump_in_0x, (change,))
    assert (in_1x.bump, in_1x.changes) == (bump_in_1x, (change,))
    assert in_0x.version == {"minor": "0.4.0", "patch": "0.3.2"}[bump_in_0x]
    assert in_1x.version == {"major": "2.0.0", "minor": "1.4.0", "patch": "1.3.2"}[bump_in_1x]


def test_versions_follow_the_bump() -> None:
    removed = api(fn("train", "df", "lr=0.1"), run=("n_estimators=300",))
    assert decide(removed, "0.3.1").version == "0.4.0"
    assert decide(removed, "1.3.1").version == "2.0.0"
    added = api(*BASE.functions, fn("score", "model"), run=("n_estimators=300",))
    assert decide(added, "1.3.1").version == "1.4.0"
    changed = api(
        fn("clean", "df", body="new"), fn("train", "df", "lr=0.1"), run=("n_estimators=300",)
    )
    assert decide(changed, "1.3.1").version == "1.3.2"


def test_nothing_changed_is_up_to_date() -> None:
    decision = decide(BASE)
    assert (decision.bump, decision.version, decision.changes, decision.up_to_date) == (
        "none",
        "0.3.1",
        (),
        True,
    )


def test_reordering_run_parameters_is_not_breaking_because_they_are_keyword_only() -> None:
    before = api(run=("a=1", "b=2"))
    after = api(run=("b=2", "a=1"))
    decision, _ = decide_version(before, "1.0.0", after)
    assert decision is not None
    assert (decision.bump, decision.changes) == (
        "patch",
        ("`run`: parameters reordered from (a, b) to (b, a)",),
    )


def test_several_changes_take_the_largest_bump_and_list_every_change() -> None:
    current = api(fn("clean", "df", body="b2"), fn("score", "model"), run=("n_estimators=300",))
    decision = decide(current, "2.0.0")
    assert decision.bump == "major"
    assert set(decision.changes) == {
        "removed function `train`",
        "`clean`: code changed",
        "added function `score`",
    }


def test_first_build_is_the_initial_version_listing_the_functions() -> None:
    decision, problems = decide_version(None, None, BASE)
    assert problems == [] and decision is not None
    assert (decision.version, decision.bump, decision.previous_version) == (
        "0.1.0",
        "initial",
        None,
    )
    assert decision.changes == ("added function `clean`", "added function `train`")
    decision, _ = decide_version(None, None, BASE, initial="1.0.0")
    assert decision is not None and decision.version == "1.0.0"


@pytest.mark.parametrize(
    ("bump", "version"), [("major", "1.0.0"), ("minor", "0.4.0"), ("patch", "0.3.2")]
)
def test_bump_override_applies_even_when_nothing_changed(bump: str, version: str) -> None:
    decision = decide(BASE, bump=bump)
    assert (decision.bump, decision.version, decision.overridden) == (bump, version, True)


def test_version_override_is_used_and_its_bump_level_reported() -> None:
    decision = decide(BASE, version="2.0.0rc1")
    assert (decision.version, decision.bump) == ("2.0.0rc1", "major")


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"version": "banana"}, "not a valid version"),
        ({"version": "0.3.1"}, "not greater than the previous version 0.3.1"),
        ({"version": "0.2.9"}, "not greater"),
        ({"bump": "huge"}, "unknown bump"),
        ({"bump": "major", "version": "9.0.0"}, "both"),
    ],
)
def test_bad_overrides_are_diagnostics(overrides: dict[str, str], words: str) -> None:
    decision, problems = decide_version(BASE, "0.3.1", BASE, **overrides)
    assert decision is None
    assert [p.code for p in problems] == ["NB503"]
    assert words in problems[0].message


def test_override_smaller_than_the_api_change_warns() -> None:
    removed = api(fn("train", "df", "lr=0.1"), run=("n_estimators=300",))
    decision, problems = decide_version(BASE, "1.2.0", removed, bump="patch")
    assert decision is not None and decision.version == "1.2.1"
    assert [(p.code, p.severity.value) for p in problems] == [("NB506", "warning")]


def test_unreadable_previous_version_is_a_diagnostic() -> None:
    decision, problems = decide_version(BASE, "not-a-version", BASE)
    assert decision is None and [p.code for p in problems] == ["NB505"]


def test_changelog_entry_groups_changes_under_the_version_and_date() -> None:
    current = api(fn("clean", "df", body="b2"), fn("score", "model"), run=("n_estimators=300",))
    entry = changelog_entry(decide(current, "1.0.0"), "2026-11-23")
    assert entry == (
        "## [2.0.0] - 2026-11-23\n"
        "\n"
        "### Breaking changes\n"
        "\n"
        "- removed function `train`\n"
        "\n"
        "### Added\n"
        "\n"
        "- added function `score`\n"
        "\n"
        "### Changed\n"
        "\n"
        "- `clean`: code changed\n"
    )


def test_changelog_keeps_the_header_and_puts_the_newest_entry_first() -> None:
    first, _ = decide_version(None, None, BASE)
    assert first is not None
    text = update_changelog(None, changelog_entry(first, "2026-11-01"), "churn")
    assert text.startswith("# Changelog\n")
    assert "`churn`" in text
    assert "## [0.1.0] - 2026-11-01\n\nFirst release.\n" in text

    second = decide(api(*BASE.functions, fn("score", "m"), run=("n_estimators=300",)), "0.1.0")
    hand_written = text.replace("# Changelog\n", "# Changelog\n\nOur own note.\n")
    updated = update_changelog(hand_written, changelog_entry(second, "2026-11-23"), "churn")

    assert "Our own note." in updated
    assert updated.index("## [0.2.0]") < updated.index("## [0.1.0]")
    assert updated.count("## [") == 2
    assert update_changelog(updated, changelog_entry(second, "2026-11-23"), "churn") == updated


def test_changes_outside_the_api_make_a_patch_release() -> None:
    decision, _ = decide_version(BASE, "1.0.0", BASE, other_changes=["dependencies: added pandas"])
    assert decision is not None
    assert (decision.bump, decision.version, decision.changes) == (
        "patch",
        "1.0.1",
        ("dependencies: added pandas",),
    )


def test_functions_of_the_same_name_in_two_modules_are_told_apart() -> None:
    before = api(fn("clean", "df", module="a"), fn("clean", "df", module="b"))
    after = api(fn("clean", "df", module="a"), fn("clean", "df", "x", module="b"))
    decision, _ = decide_version(before, "1.0.0", after)
    assert decision is not None
    assert decision.changes == ("`b.clean`: added required parameter `x`",)


names = st.sampled_from(["df", "lr", "seed", "data", "model", "n", "x"])
params = st.lists(
    st.builds(ParamApi, names, st.one_of(st.none(), st.sampled_from(["0", "0.1", "'a'"]))),
    max_size=4,
    unique_by=lambda p: p.name,
)
functions = st.lists(
    st.builds(
        FunctionApi,
        st.sampled_from(["clean", "train", "score", "load"]),
        st.sampled_from(["churn", "prep"]),
        params.map(tuple),
        st.lists(names, max_size=2, unique=True).map(tuple),
        st.sampled_from(["b1", "b2"]),
    ),
    max_size=4,
    unique_by=lambda f: f.name,
)
snapshots = st.builds(ApiSnapshot, functions.map(tuple), params.map(tuple))
versions = st.builds("{}.{}.{}".format, *(st.integers(0, 12) for _ in range(3)))


@given(snapshots, versions)
def test_a_snapshot_compared_with_itself_is_up_to_date(snapshot: ApiSnapshot, version: str) -> None:
    decision, problems = decide_version(snapshot, version, snapshot)
    assert problems == [] and decision is not None
    assert (decision.bump, decision.version, decision.changes) == ("none", version, ())


@given(snapshots, snapshots, versions)
def test_every_difference_is_named_and_moves_the_version_forward(
    before: ApiSnapshot, after: ApiSnapshot, version: str
) -> None:
    decision, problems = decide_version(before, version, after)
    assert problems == [] and decision is not None
    # The order functions are listed in is not part of the API.
    if _by_name(before) == _by_name(after) and before.run_params == after.run_params:
        assert decision.bump == "none"
        return
    assert decision.changes, "a changed API must name at least one change"
    assert Version(decision.version) > Version(version)
    breaking = any(c.impact is Impact.BREAKING for c in decision.api_changes)
    if breaking and Version(version).major >= 1:
        assert decision.bump == "major"


def _by_name(snapshot: ApiSnapshot) -> list[FunctionApi]:
    return sorted(snapshot.functions, key=lambda f: f.name)
