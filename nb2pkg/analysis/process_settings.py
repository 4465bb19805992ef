"""Calls and assignments that set up the process for the person at the screen.

Display and warning settings (``pd.set_option("display.…")``, ``plt.rc``, ``sns.set()``,
``warnings.filterwarnings``, a literal ``sys.path.insert``, a debugger stop such as
``pdb.set_trace()``) and seeds of global random generators (``np.random.seed(0)``):
nb2pkg.analysis.library_code drops the former from library code and moves the latter into
``run()``.
"""

from __future__ import annotations

import ast

from nb2pkg.analysis.effects import dotted

SETTING_CALLS = frozenset(
    {
        "np.set_printoptions",
        "numpy.set_printoptions",
        "warnings.filterwarnings",
        "warnings.simplefilter",
        "plt.rc",
        "plt.rcdefaults",
        "plt.style.use",
        "plt.xkcd",
        "plt.ion",
        "plt.ioff",
        "mpl.rc",
        "mpl.use",
        "mpl.style.use",
        "matplotlib.rc",
        "matplotlib.use",
        "matplotlib.style.use",
        "matplotlib.pyplot.rc",
        "matplotlib.pyplot.style.use",
        "sns.set",
        "sns.set_style",
        "sns.set_context",
        "sns.set_theme",
        "sns.set_palette",
        "sns.set_color_codes",
        "seaborn.set",
        "seaborn.set_style",
        "seaborn.set_context",
        "seaborn.set_theme",
        "seaborn.set_palette",
        "init_notebook_mode",
        "py.init_notebook_mode",
        "pyo.init_notebook_mode",
        "output_notebook",
        "InteractiveShell.ast_node_interactivity",
        "set_matplotlib_formats",
        # A debugger stop waits for the person at the screen: a pipeline would hang there.
        "breakpoint",
        "pdb.set_trace",
        "pdb.pm",
        "pdb.post_mortem",
        "ipdb.set_trace",
        "set_trace",
        "debugger.set_trace",
        "IPython.core.debugger.set_trace",
        "IPython.embed",
        "embed",
    }
)
SETTING_TARGETS = (
    "plt.rcParams",
    "mpl.rcParams",
    "matplotlib.rcParams",
    "pd.options.display",
    "pandas.options.display",
    "pd.options.mode.chained_assignment",
    "pandas.options.mode.chained_assignment",
    "InteractiveShell.ast_node_interactivity",
)
_SETTING_TARGET_SET = frozenset(SETTING_TARGETS)
_INSIDE_SETTING_TARGETS = tuple(f"{t}." for t in SETTING_TARGETS)
_PANDAS_SET_OPTION = frozenset({"pd.set_option", "pandas.set_option"})
_QUIET_OPTIONS = ("display.", "mode.chained_assignment")
"""pandas options that only change what is shown or warned, never a computed value."""

SEED_CALLS = frozenset(
    {
        "np.random.seed",
        "numpy.random.seed",
        "random.seed",
        "torch.manual_seed",
        "torch.cuda.manual_seed",
        "torch.cuda.manual_seed_all",
        "tf.random.set_seed",
        "tf.set_random_seed",
        "tensorflow.random.set_seed",
    }
)


def literal_seed(call: ast.Call) -> bool:
    """``seed()`` or ``seed(42)``: what run() can do in the step's place."""
    if call.keywords or len(call.args) > 1:
        return False
    if not call.args:
        return True
    try:
        value = ast.literal_eval(call.args[0])
    except ValueError:
        return False
    return isinstance(value, int) and not isinstance(value, bool)


_IMPORT_PATH_CALLS = frozenset({"sys.path.insert", "sys.path.append"})
"""``sys.path.insert(0, "..")``: a notebook's way to import a helper from another folder. The
package imports its modules at the top of the module, before any step runs, and copies
helpers beside the notebook into itself, so the call can only change the importing process."""


def is_setting_call(call: ast.Call, name: str) -> bool:
    if name in _IMPORT_PATH_CALLS:
        return not call.keywords and all(isinstance(a, ast.Constant) for a in call.args)
    if name in SETTING_CALLS or name.rsplit(".", 1)[-1] in ("init_notebook_mode",):
        return True
    if name in _PANDAS_SET_OPTION:
        first = call.args[0] if call.args else None
        return (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and first.value.startswith(_QUIET_OPTIONS)
        )
    return name.startswith(_INSIDE_SETTING_TARGETS) and name.endswith((".update", ".__setitem__"))


def is_setting_target(target: ast.expr) -> bool:
    node = target.value if isinstance(target, ast.Subscript) else target
    name = dotted(node)
    return name in _SETTING_TARGET_SET or name.startswith(_INSIDE_SETTING_TARGETS)
