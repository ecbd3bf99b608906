"""The package's import graph: no cycles, and the data layer below the estimators."""

import ast
from pathlib import Path

import sklearn_gd

PACKAGE = Path(sklearn_gd.__file__).parent
ESTIMATORS = {"sklearn_gd._logistic", "sklearn_gd._logistic_cv", "sklearn_gd"}


def _module_name(path):
    return "sklearn_gd" if path.stem == "__init__" else f"sklearn_gd.{path.stem}"


def import_graph():
    """Each module of the package and the package modules it imports.

    Every ``import`` statement counts, those inside functions too (the ones
    that defer numba or Dask): a cycle through a deferred import is still a
    cycle of the design.
    """
    modules = {_module_name(path): path for path in PACKAGE.glob("*.py")}
    graph = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                module = node.module or ""
                # "from sklearn_gd import _loss" imports the module _loss.
                names = [
                    f"{module}.{alias.name}"
                    if f"{module}.{alias.name}" in modules
                    else module
                    for alias in node.names
                ]
            else:
                assert not isinstance(node, ast.ImportFrom), "relative import"
                continue
            imported |= {n for n in names if n.split(".")[0] == "sklearn_gd"}
        imported.discard(name)
        graph[name] = imported
    return graph


def _cycle(graph):
    """Return one cycle of ``graph`` as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_walker_finds_a_cycle_and_the_package_has_none():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    graph = import_graph()
    assert "sklearn_gd._data" in graph["sklearn_gd._dask"]  # it sees imports
    assert _cycle(graph) is None


def test_the_data_and_compiled_layers_import_no_estimator_module():
    graph = import_graph()
    for lower in ("_dask", "_data", "_kinds", "_loss", "_compiled", "_problem"):
        assert not graph[f"sklearn_gd.{lower}"] & ESTIMATORS, lower
    # The search asks the kind of data, not Dask, what X is.
    assert "sklearn_gd._dask" not in graph["sklearn_gd._logistic_cv"]
    assert "sklearn_gd._dask" not in graph["sklearn_gd._data"]
