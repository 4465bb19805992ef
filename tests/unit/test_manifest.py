"""The manifest format: deterministic JSON, a round trip, damage as diagnostics, source lookup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nb2pkg.builder.manifest import (
    FORMAT_VERSION,
    MANIFEST_PATH,
    Manifest,
    SourceSpan,
    file_hashes,
    load,
    parse,
    sha256_text,
)
from nb2pkg.builder.source_lookup import find_package_dir, locate, lookup
from nb2pkg.ir import ApiSnapshot, EmittedFile, FunctionApi, ParamApi

MANIFEST = Manifest(
    package="churn",
    version="0.2.0",
    sources=(("notebooks/churn.ipynb", "ab" * 32),),
    api=ApiSnapshot(
        functions=(
            FunctionApi(
                name="clean",
                module="churn",
                params=(ParamApi("df", None), ParamApi("threshold", "0.5")),
                returns=("df",),
                body_sha256="cd" * 32,
            ),
        ),
        run_params=(ParamApi("n_estimators", "300"), ParamApi("data", None)),
    ),
    files={"src/churn/churn.py": "ef" * 32, "README.md": "01" * 32},
    source_map={
        "src/churn/churn.py": (
            SourceSpan(20, 31, "notebooks/churn.ipynb", "c-train", 9),
            SourceSpan(5, 14, "notebooks/churn.ipynb", "c-clean", 4),
        ),
        "src/churn/pipeline.py": (SourceSpan(1, 60, "notebooks/churn.ipynb", "c-params", 2),),
    },
    settings="nb2pkg 0.1.0; settings 4f1c",
)


def test_json_is_deterministic_sorted_indented_and_ends_with_a_newline() -> None:
    text = MANIFEST.to_json()
    assert text.endswith("}\n")
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, indent=2) + "\n"
    assert data["format_version"] == FORMAT_VERSION
    # Spans are written in line order whatever order they were given in.
    assert [span[0] for span in data["source_map"]["src/churn/churn.py"]] == [5, 20]


def test_round_trip_gives_an_equal_manifest() -> None:
    parsed, problems = parse(MANIFEST.to_json(), MANIFEST_PATH)
    assert problems == []
    assert parsed is not None
    assert parsed.to_json() == MANIFEST.to_json()
    assert parsed.api == MANIFEST.api
    assert parsed.sources == MANIFEST.sources
    assert dict(parsed.files) == dict(MANIFEST.files)
    assert parsed.settings == MANIFEST.settings


def test_settings_may_be_absent() -> None:
    parsed, problems = parse(_damaged("del data['settings']"), MANIFEST_PATH)
    assert problems == [] and parsed is not None
    assert parsed.settings == ""


def test_file_hashes_cover_every_file_but_the_manifest() -> None:
    files = [EmittedFile("a.py", "x = 1\n"), EmittedFile(MANIFEST_PATH, "{}\n")]
    assert file_hashes(files) == {"a.py": sha256_text("x = 1\n")}


def _damaged(edit: str) -> str:
    data = json.loads(MANIFEST.to_json())
    exec(edit, {"data": data})
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "invalid JSON"),
        ("[]", "not a JSON object"),
        (_damaged("del data['api']"), "has no 'api'"),
        (_damaged("data['version'] = 3"), "'version' should be a JSON string"),
        (_damaged("data['format_version'] = True"), "'format_version' should be a JSON integer"),
        (_damaged("data['files']['../../etc/passwd'] = 'x'"), "not a relative path"),
        (_damaged("data['source_map']['a.py'] = [[1, 2, 'nb', 'id']]"), "[start_line, end_line"),
        (_damaged("data['api']['functions'][0]['params'][0]['default'] = 1"), "default"),
    ],
)
def test_a_damaged_manifest_is_a_diagnostic_not_a_traceback(text: str, words: str) -> None:
    manifest, problems = parse(text, "out/.nb2pkg/manifest.json")
    assert manifest is None
    assert [p.code for p in problems] == ["NB504"]
    assert words in problems[0].message
    assert problems[0].location is not None
    assert problems[0].location.notebook == "out/.nb2pkg/manifest.json"


def test_a_manifest_from_a_newer_nb2pkg_asks_for_an_upgrade() -> None:
    manifest, problems = parse(_damaged(f"data['format_version'] = {FORMAT_VERSION + 1}"), "m.json")
    assert manifest is None
    assert [p.code for p in problems] == ["NB504"]
    assert "upgrade" in problems[0].hint


def test_load_reads_the_output_directory_and_no_manifest_is_not_a_problem(tmp_path: Path) -> None:
    assert load(tmp_path) == (None, [])
    (tmp_path / ".nb2pkg").mkdir()
    (tmp_path / MANIFEST_PATH).write_bytes(b"\xff\xfe")
    manifest, problems = load(tmp_path)
    assert manifest is None and [p.code for p in problems] == ["NB504"]
    (tmp_path / MANIFEST_PATH).write_text(MANIFEST.to_json())
    assert load(tmp_path) == parse(MANIFEST.to_json(), str(tmp_path / MANIFEST_PATH))


@pytest.mark.parametrize(
    ("file", "line", "cell_id"),
    [
        ("src/churn/churn.py", 5, "c-clean"),
        ("src/churn/churn.py", 14, "c-clean"),
        ("src/churn/churn.py", 25, "c-train"),
        ("/home/me/project/out/src/churn/churn.py", 31, "c-train"),
        ("/venv/lib/python3.11/site-packages/churn/churn.py", 6, "c-clean"),
        ("C:\\venv\\Lib\\site-packages\\churn\\pipeline.py", 40, "c-params"),
    ],
)
def test_lookup_maps_a_generated_line_back_to_its_cell(file: str, line: int, cell_id: str) -> None:
    span = lookup(MANIFEST, file, line)
    assert span is not None
    assert (span.notebook, span.cell_id) == ("notebooks/churn.ipynb", cell_id)


@pytest.mark.parametrize(
    ("file", "line"),
    [
        ("src/churn/churn.py", 17),
        ("src/churn/churn.py", 1),
        ("src/other/churn.py", 5),
        ("churn.py", 5),
    ],
)
def test_lookup_of_an_unmapped_line_or_file_is_none(file: str, line: int) -> None:
    assert lookup(MANIFEST, file, line) is None


def test_lookup_prefers_the_innermost_span() -> None:
    nested = Manifest(
        package="p",
        version="0.1.0",
        sources=(),
        api=ApiSnapshot((), ()),
        source_map={
            "src/p/m.py": (
                SourceSpan(1, 100, "nb", "outer", 1),
                SourceSpan(10, 12, "nb", "inner", 2),
            )
        },
    )
    inner = lookup(nested, "src/p/m.py", 11)
    outer = lookup(nested, "src/p/m.py", 50)
    assert inner is not None and inner.cell_id == "inner"
    assert outer is not None and outer.cell_id == "outer"


def test_locate_reads_file_colon_line_and_says_where_the_line_came_from() -> None:
    span, problems = locate(MANIFEST, "/venv/lib/site-packages/churn/churn.py:25")
    assert problems == [] and span is not None
    assert span.describe() == "notebooks/churn.ipynb: cell 9 (id c-train)"


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ("churn.py", "NB510"),
        (":12", "NB510"),
        ("src/churn/churn.py:x", "NB510"),
        ("src/churn/churn.py:17", "NB511"),
    ],
)
def test_locate_explains_what_it_cannot_map(spec: str, code: str) -> None:
    span, problems = locate(MANIFEST, spec)
    assert span is None and [p.code for p in problems] == [code]


text = st.text(min_size=1, max_size=12)
relative_paths = st.lists(
    st.text(alphabet="abcz_-.0123456789é", min_size=1, max_size=8).filter(
        lambda part: part not in (".", "..")
    ),
    min_size=1,
    max_size=3,
).map("/".join)
api_snapshots = st.builds(
    ApiSnapshot,
    st.lists(
        st.builds(
            FunctionApi,
            text,
            text,
            st.lists(st.builds(ParamApi, text, st.one_of(st.none(), text))).map(tuple),
            st.lists(text).map(tuple),
            text,
        ),
        max_size=3,
    ).map(tuple),
    st.lists(st.builds(ParamApi, text, st.one_of(st.none(), text)), max_size=3).map(tuple),
)
manifests = st.builds(
    Manifest,
    package=text,
    version=text,
    sources=st.lists(st.tuples(text, text), max_size=3).map(tuple),
    api=api_snapshots,
    files=st.dictionaries(relative_paths, text, max_size=4),
    source_map=st.dictionaries(
        relative_paths,
        st.lists(
            st.builds(
                SourceSpan, st.integers(1, 500), st.integers(1, 500), text, text, st.integers(1, 99)
            ),
            max_size=3,
        ).map(lambda spans: tuple(sorted(spans))),
        max_size=3,
    ),
    settings=text,
)


@given(manifests)
def test_any_manifest_survives_a_round_trip(manifest: Manifest) -> None:
    parsed, problems = parse(manifest.to_json(), MANIFEST_PATH)
    assert problems == []
    assert parsed == manifest


def test_the_package_dir_of_a_generated_file_is_the_nearest_parent_with_a_manifest(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    (out / ".nb2pkg").mkdir(parents=True)
    (out / MANIFEST_PATH).write_text(MANIFEST.to_json())
    (out / "src/churn").mkdir(parents=True)

    assert find_package_dir(out / "src/churn/churn.py") == out
    assert find_package_dir(tmp_path / "elsewhere/x.py") is None


def test_the_json_is_that_of_json_dumps_for_any_text() -> None:
    """Non-ASCII and escapes are written as ``json.dumps(…, ensure_ascii=False)`` writes them."""
    manifest = Manifest(
        package="p",
        version="1.0.0",
        sources=(('notebooks/é "x".ipynb', "ab" * 32),),
        api=ApiSnapshot(
            functions=(FunctionApi("f", "m", (ParamApi("a", "'\\n'"),), (), "00", kind="class"),),
            run_params=(),
        ),
        source_map={"src/p/m.py": (SourceSpan(1, 2, "nb\u2028.ipynb", "c\ud800", 3),)},
    )
    data = json.loads(manifest.to_json())
    assert (
        manifest.to_json() == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        ("data['api']['functions'][-1]['params'][-1]['default'] = 1", "default"),
        ("data['api']['functions'][-1]['returns'] = [1]", "returns must be names"),
        ("data['api']['functions'][-1]['params'][0] = 'x'", "is not a JSON object"),
        ("del data['api']['functions'][-1]['module']", "has no 'module'"),
        ("data['api']['run_params'] = {}", "'run_params' should be a JSON array"),
        ("data['source_map']['a.py'] = [[1, 2, 'nb', 'id', True]]", "[start_line, end_line"),
        ("data['source_map']['a.py'] = [[1, 2, 'nb', 'id', 3], 'x']", "[start_line, end_line"),
    ],
)
def test_damage_anywhere_in_a_long_api_or_source_map_is_found(edit: str, words: str) -> None:
    """Long sections are read without a check per value when they are well formed; damage
    in the last entry is still found, and told as before."""
    functions = tuple(
        FunctionApi(f"f{i}", "m", (ParamApi("a", None), ParamApi("b", "2")), ("x",), "00")
        for i in range(50)
    )
    long = Manifest(
        package="p",
        version="1.0.0",
        sources=(),
        api=ApiSnapshot(functions=functions, run_params=(ParamApi("a", None),)),
        source_map={"a.py": tuple(SourceSpan(i, i, "nb", f"c{i}", i) for i in range(1, 50))},
    )
    assert parse(long.to_json(), MANIFEST_PATH) == (long, [])
    data = json.loads(long.to_json())
    exec(edit, {"data": data})
    manifest, problems = parse(json.dumps(data), MANIFEST_PATH)
    assert manifest is None
    assert [p.code for p in problems] == ["NB504"]
    assert words in problems[0].message


@pytest.mark.parametrize("text", [MANIFEST.to_json(), "{not json", "[]"])
def test_reading_leaves_the_garbage_collector_as_it_was(text: str) -> None:
    import gc

    assert gc.isenabled()
    parse(text, MANIFEST_PATH)
    assert gc.isenabled()
    gc.disable()
    try:
        parse(text, MANIFEST_PATH)
        assert not gc.isenabled()
    finally:
        gc.enable()
