"""How a package's command ends its process (``_command_line.end_process``): with the command's
exit code and everything written, also when tearing the interpreter down would abort it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nb2pkg.emit.templates import TEMPLATE_DIR

# A global whose finalizer aborts the process stands for a native thread pool that aborts
# while the interpreter is torn down (apache/arrow#34314).
SCRIPT = """
import atexit, concurrent.futures, importlib.util, os, sys, threading, time

spec = importlib.util.spec_from_file_location("_command_line", {template!r})
command_line = importlib.util.module_from_spec(spec)
spec.loader.exec_module(command_line)
out = {out!r}


class AbortsInTeardown:
    def __del__(self):
        os.abort()


pool = AbortsInTeardown()
report = open(os.path.join(out, "report.txt"), "w", buffering=1 << 20)
report.write("written but not flushed")
atexit.register(lambda: open(os.path.join(out, "atexit.txt"), "w").write("ran"))


def late_writer():
    time.sleep(0.2)
    with open(os.path.join(out, "thread.txt"), "w") as handle:
        handle.write("done")


threading.Thread(target=late_writer).start()
# An idle pool's workers wait for work until Python's exit tells them to end (MLflow's).
pool_of_threads = concurrent.futures.ThreadPoolExecutor(max_workers=2)
pool_of_threads.submit(time.sleep, 0.01).result()
print("the command's output", end="")
{ending}
"""


def _run(tmp_path: Path, ending: str) -> subprocess.CompletedProcess[str]:
    script = SCRIPT.format(
        template=str(TEMPLATE_DIR / "command_line.py"), out=str(tmp_path), ending=ending
    )
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )


@pytest.mark.parametrize("code", [0, 3])
def test_the_process_ends_with_the_code_and_everything_written(tmp_path: Path, code: int) -> None:
    done = _run(tmp_path, f"command_line.end_process({code})")

    assert done.returncode == code, done.stderr
    assert done.stdout == "the command's output"
    assert (tmp_path / "report.txt").read_text() == "written but not flushed"
    assert (tmp_path / "atexit.txt").read_text() == "ran"
    assert (tmp_path / "thread.txt").read_text() == "done"


def test_the_interpreter_teardown_aborts_the_same_process_without_it(tmp_path: Path) -> None:
    done = _run(tmp_path, "sys.exit(0)")

    assert done.returncode == -6  # SIGABRT, though the work was done
    assert (tmp_path / "thread.txt").read_text() == "done"
