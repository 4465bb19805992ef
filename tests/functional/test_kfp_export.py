"""`nb2pkg export kfp`: a KFP v2 module with one component per step, kept up to date."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nb2pkg.frontends.cli.main import main
from tests.branching_notebook import write_branching_notebook

MODULE = Path("orchestrators/kfp/branches_kfp.py")


def _export(tmp_path: Path, *options: str) -> Path:
    notebook = write_branching_notebook(tmp_path / "branches.ipynb")
    out = tmp_path / "out"
    assert main(["export", "kfp", str(notebook), "-o", str(out), *options]) == 0
    return out


def test_one_component_per_step_reading_the_artifacts_of_the_steps_it_needs(
    tmp_path: Path,
) -> None:
    out = _export(tmp_path)
    text = (out / MODULE).read_text()
    tree = ast.parse(text)
    components = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any("component" in ast.unparse(d) for d in node.decorator_list)
    }
    assert list(components) == [
        "step_load",
        "step_double",
        "step_summarise",
        "step_tag_rows",
        "step_combine",
        "log_model",  # the notebook fits a model: the last component logs it
    ]
    combine = [ast.unparse(a) for a in components["step_combine"].args.args]
    assert combine == [
        "from_double: Input[Artifact]",
        "from_summarise: Input[Artifact]",
        "from_tag_rows: Input[Artifact]",
        "values: Output[Artifact]",
        "scale: int",
    ]
    assert 'PACKAGES_TO_INSTALL = ["branches==0.1.0"]' in text
    assert 'BASE_IMAGE = "python:3.11"' in text
    assert "\nfrom __future__ import" not in text  # KFP reads the annotations
    assert (
        "def branches_pipeline(\n    scale: int = 2,\n    pause: float = 0.0,\n"
        "    nb2pkg_track: bool = True,\n) -> None:"
    ) in text
    logging = [ast.unparse(a) for a in components["log_model"].args.args]
    steps = ("load", "double", "summarise", "tag_rows", "combine")
    assert logging == [
        *(f"from_{step}: Input[Artifact]" for step in steps),
        "track: bool",
        "scale: int",
        "pause: float",
    ]
    assert (
        "    log_stored_model({"
        + ", ".join(f'"{step}": from_{step}.path' for step in steps)
        + '}, params={"scale": scale, "pause": pause})\n'
    ) in text
    assert (
        "    log_model_task = log_model("
        + ", ".join(f"from_{step}=step_{step}_task.outputs['values']" for step in steps)
        + ", track=nb2pkg_track, scale=scale, pause=pause)\n"
    ) in text
    assert (
        "step_double(from_load=step_load_task.outputs['values'], pause=pause, scale=scale)" in text
    )
    assert "# nb2pkg: branches.ipynb [id cell-4]\n@dsl.component(" in text
    notebook = tmp_path / "branches.ipynb"
    assert main(["check", str(notebook), "-o", str(out)]) == 0


def test_an_image_with_the_package_needs_no_install(tmp_path: Path) -> None:
    out = _export(tmp_path, "--base-image", "registry.example/team/branches:0.1.0", "--no-install")
    text = (out / MODULE).read_text()
    assert 'BASE_IMAGE = "registry.example/team/branches:0.1.0"' in text
    assert "PACKAGES_TO_INSTALL = []" in text


def test_without_kfp_here_the_module_is_written_and_the_yaml_is_flagged_not_compiled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "kfp", None)  # as where kfp is not installed
    monkeypatch.delenv("NB2PKG_KFP_PYTHON", raising=False)
    out = _export(tmp_path)
    err = capsys.readouterr().err
    assert "warning[NB703]" in err and "was not regenerated: kfp is not importable here" in err
    assert f"python {MODULE.as_posix()}" in err and "NB2PKG_KFP_PYTHON" in err
    assert (out / MODULE).is_file()
    assert not (out / MODULE).with_suffix(".yaml").exists()
    # check cannot compare the YAML either, and says so rather than passing silently.
    assert main(["check", str(tmp_path / "branches.ipynb"), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning[NB703]" in err and "was not verified" in err
