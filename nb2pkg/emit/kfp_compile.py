"""The KFP export's IR YAML: compiled by every build, compared by every check.

The YAML is what a user submits to Kubeflow, so it must never be older than the pipeline
module it is compiled from. KFP compiles it; nb2pkg does not depend on KFP (its pins are
many), so the compiler is the ``kfp`` importable by nb2pkg's own Python, else the Python
named by ``NB2PKG_KFP_PYTHON`` (a virtualenv that has kfp). The generated module runs there,
in a scratch folder: it imports kfp and nb2pkg's own code, never a notebook's.

Without a compiler, nothing pretends: a YAML whose module is unchanged since it was compiled
is kept (and reported as not verified); one whose module changed is removed rather than left
stale; either way warning NB703 says how to compile it.

Diagnostic codes:
  NB702 the KFP pipeline module did not compile (a bug in nb2pkg)
  NB703 (warning) no kfp to compile the YAML here: it was not regenerated or verified
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from nb2pkg.emit.kfp_export import kfp_module_path
from nb2pkg.ir import Diagnostic, EmittedFile, Location, Severity

KFP_PYTHON_VARIABLE = "NB2PKG_KFP_PYTHON"
YAML_NOT_COMPILED = "NB703"
COMPILE_TIMEOUT_SECONDS = 300


def kfp_yaml_path(package: str) -> str:
    return str(Path(kfp_module_path(package)).with_suffix(".yaml").as_posix())


def kfp_python() -> str | None:
    """The Python that compiles KFP pipelines here, or None."""
    if importlib.util.find_spec("kfp") is not None:
        return sys.executable
    configured = os.environ.get(KFP_PYTHON_VARIABLE, "").strip()
    return configured or None


def compiler_fingerprint() -> str:
    """Part of the build settings: a build sees when a compiler appears or goes."""
    return "kfp-yaml:compiled" if kfp_python() else "kfp-yaml:none"


def compile_pipeline(module_text: str, module_name: str, python: str) -> tuple[str | None, str]:
    """(the IR YAML, "") or (None, why it failed)."""
    with tempfile.TemporaryDirectory(prefix="nb2pkg-kfp-") as scratch:
        module = Path(scratch) / module_name
        module.write_text(module_text, encoding="utf-8")
        env = dict(os.environ)
        if python != sys.executable:
            env.pop("PYTHONPATH", None)  # another interpreter: nothing of this one leaks in
        try:
            done = subprocess.run(
                [python, str(module)],
                cwd=scratch,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=COMPILE_TIMEOUT_SECONDS,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"{python} could not be run: {error}"
        compiled = module.with_suffix(".yaml")
        if done.returncode != 0 or not compiled.is_file():
            last = (done.stderr.strip().splitlines() or ["no error output"])[-1]
            return None, last
        return compiled.read_text(encoding="utf-8"), ""


class Recorded(Protocol):
    """What the last build wrote (``nb2pkg.builder.manifest.Manifest``)."""

    @property
    def files(self) -> Mapping[str, str]:
        """POSIX path relative to the output directory -> sha256 of the bytes written."""


def kfp_yaml_file(
    package: str,
    files: list[EmittedFile],
    out_dir: Path,
    previous: Recorded | None,
    *,
    verb: str,
) -> tuple[EmittedFile | None, list[Diagnostic]]:
    """The YAML file a build writes (or check expects) beside the KFP module in ``files``.

    ``verb``: "regenerated" (build) or "verified" (check), for the warning.
    """
    module_path = kfp_module_path(package)
    module = next((f for f in files if f.path == module_path), None)
    if module is None:
        return None, []
    yaml_path = kfp_yaml_path(package)
    python = kfp_python()
    if python is not None:
        text, error = compile_pipeline(module.content, Path(module_path).name, python)
        if text is not None:
            return EmittedFile(yaml_path, text), []
        return None, [
            Diagnostic(
                "NB702",
                Severity.ERROR,
                f"the KFP pipeline did not compile with {python}: {error}",
                Location(module_path),
                "this is a bug in nb2pkg; please report it with the notebook",
            )
        ]
    kept, consequence = _unchanged_yaml(module, yaml_path, out_dir, previous)
    return kept, [
        Diagnostic(
            YAML_NOT_COMPILED,
            Severity.WARNING,
            f"the KFP pipeline's IR YAML ({yaml_path}) was not {verb}: kfp is not importable "
            f"here; {consequence}",
            Location(module_path),
            f"pip install kfp here, or set {KFP_PYTHON_VARIABLE} to a Python that has kfp, "
            f"and run nb2pkg again (or compile it yourself: python {module_path})",
        )
    ]


def _unchanged_yaml(
    module: EmittedFile, yaml_path: str, out_dir: Path, previous: Recorded | None
) -> tuple[EmittedFile | None, str]:
    """The YAML on disk when the last build compiled it from this very module text, and
    what becomes of the YAML (for the warning)."""
    stale = "no YAML matches the pipeline module: a build removes one compiled from an older one"
    if previous is None or yaml_path not in previous.files:
        return None, "there is no YAML"
    module_hash = hashlib.sha256(module.content.encode("utf-8")).hexdigest()
    if previous.files.get(module.path) != module_hash:
        return None, stale
    try:
        data = (out_dir / yaml_path).read_bytes()
    except OSError:
        return None, "there is no YAML"
    if hashlib.sha256(data).hexdigest() != previous.files[yaml_path]:
        return None, "the YAML on disk was edited since it was compiled: it is not vouched for"
    kept = "the YAML on disk is kept: its pipeline module has not changed since it was compiled"
    return EmittedFile(yaml_path, data.decode("utf-8")), kept
