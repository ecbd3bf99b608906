import re
import runpy
import warnings
from pathlib import Path

import pytest
import sklearn
import sklearn.datasets
from packaging.version import Version
from sklearn.exceptions import ConvergenceWarning

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "script", sorted((ROOT / "examples").glob("*.py")), ids=lambda p: p.name
)
def test_example_runs(script, capsys):
    import matplotlib.pyplot as plt

    if script.name == "plot_multinomial_decision_regions.py" and Version(
        sklearn.__version__
    ) < Version("1.7"):
        pytest.skip("DecisionBoundaryDisplay draws several classes from 1.7 on")

    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip()
    if script.name.startswith("plot_"):
        # The gallery renders each plot_ example's figures: they must hold data.
        figures = [plt.figure(number) for number in plt.get_fignums()]
        assert figures, "a gallery example draws at least one figure"
        for figure in figures:
            assert any(ax.lines or ax.collections or ax.patches for ax in figure.axes)
        plt.close("all")


def test_readme_code_runs(capsys, monkeypatch, tmp_path):
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert len(blocks) == 4, "the quick start, plot, CV and skops blocks"
    monkeypatch.chdir(tmp_path)  # the skops block writes model.skops
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # what a user runs first runs quietly
        for block in blocks:
            exec(compile(block, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "gdlogisticclassifier__alpha" in out
    assert "0.6931" in out
    assert "['sklearn_gd._logistic.GDLogisticClassifier']" in out
    assert "(5, 3, 2)" in out
    assert (tmp_path / "cost.png").exists()
    restored = namespace["model"]
    X = namespace["X"]
    assert (restored.predict(X) == namespace["search"].predict(X)).all()


def _rst_snippets(path):
    """The Python snippets of an rst page: code-blocks and ``::`` literal blocks."""
    text = path.read_text()
    pattern = r"(?:\.\. code-block:: python|::)\n\n((?:(?:    .*)?\n)+)"
    blocks = []
    for block in re.findall(pattern, text):
        code = "\n".join(line[4:] for line in block.splitlines())
        if "import" in code or "sklearn_gd" in code or "=" in code:
            blocks.append(code)
    return blocks


def test_docs_snippets_run_quietly(monkeypatch, tmp_path):
    """Every Python snippet of the docs pages runs, and warns nothing."""
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    pages = {
        path.name: _rst_snippets(path) for path in sorted((ROOT / "docs").glob("*.rst"))
    }
    assert len(pages["index.rst"]) == 1
    assert len(pages["getting_started.rst"]) == 1
    # scaling.rst: a Dask fit, a cluster, the search on Dask, GridSearchCV
    # on the cluster, a GPU fit.
    assert len(pages["scaling.rst"]) == 5
    X, y = sklearn.datasets.make_classification(400, 5, random_state=0)
    namespace = {"X_numpy": X, "y_numpy": y, "X": X, "y": y}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # what a user runs first runs quietly
        for name in ("index.rst", "getting_started.rst"):
            for block in pages[name]:
                exec(compile(block, name, "exec"), dict(namespace))
        dask_fit, cluster, cv_search, search, gpu = pages["scaling.rst"]
        pytest.importorskip("distributed")
        import dask

        scope = dict(namespace)
        exec(compile(dask_fit, "scaling.rst", "exec"), scope)
        scope["X_dask"], scope["y_dask"] = scope["X"], y
        # The search's warnings are the same on any scheduler (tested in
        # test_dask.py); threads spare the cluster's 30 ms per iteration.
        with dask.config.set(scheduler="threads"):
            exec(compile(cv_search, "scaling.rst", "exec"), scope)
        exec(compile(cluster, "scaling.rst", "exec"), scope)
        # The GridSearchCV snippet is for data in memory: X and y as NumPy
        # again (the first snippet made X a Dask array).
        scope["X"], scope["y"] = X, y
        try:
            exec(compile(search, "scaling.rst", "exec"), scope)
        finally:
            scope["client"].close()
            scope["cluster"].close()
    assert scope["search"].best_params_["alpha"] in (0.003, 0.03, 0.3)


def test_docs_gpu_snippet_runs_quietly(monkeypatch):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("the GPU snippet needs CUDA (test_array_api runs it on the CPU)")
    gpu = _rst_snippets(ROOT / "docs" / "scaling.rst")[3]
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    X, y = sklearn.datasets.make_classification(400, 5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(compile(gpu, "scaling.rst", "exec"), {"X_numpy": X, "y_numpy": y})


NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve"


def test_the_docs_count_the_gallery_right():
    n_examples = len(list((ROOT / "examples").glob("plot_*.py")))
    word = NUMBERS.split()[n_examples]
    index = (ROOT / "docs" / "index.rst").read_text()
    assert f"{word.capitalize()} runnable examples" in index
    assert f"a gallery of {word} examples" in (ROOT / "README.md").read_text()


# What a snippet computes and does not print shows nothing when it runs as a
# script: a bare name, attribute, tuple or subscript, or a call that returns
# a value only.
VALUE_METHODS = {
    "score", "predict", "predict_proba", "predict_log_proba", "decision_function",
}  # fmt: skip


def _shown_nothing(code):
    import ast

    lines = []
    for node in ast.parse(code).body:
        if not isinstance(node, ast.Expr):
            continue
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            continue  # a docstring
        returns_only = (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in VALUE_METHODS
        )
        if not isinstance(value, ast.Call) or returns_only:
            lines.append(ast.get_source_segment(code, node))
    return lines


def test_every_snippet_prints_the_values_it_shows():
    readme = (ROOT / "README.md").read_text()
    snippets = {
        f"README.md block {i}": block
        for i, block in enumerate(re.findall(r"```python\n(.*?)```", readme, re.S))
    }
    for path in sorted((ROOT / "docs").glob("*.rst")):
        blocks = re.findall(
            r"\.\. code-block:: python\n\n((?:(?:    .*)?\n)+)", path.read_text()
        )
        for i, block in enumerate(blocks):
            code = "\n".join(line[4:] for line in block.splitlines())
            snippets[f"{path.name} block {i}"] = code
    silent = {name: _shown_nothing(code) for name, code in snippets.items()}
    assert {name: lines for name, lines in silent.items() if lines} == {}
    assert _shown_nothing("model.score(X, y)\nprint(1)\nx") == [
        "model.score(X, y)",
        "x",
    ]


@pytest.mark.parametrize(
    "dom, fails",
    [
        ("<html><p>An API page, no formula.</p></html>", False),
        ('<span class="math"><mjx-container>x</mjx-container></span>', False),
        ('<span class="math notranslate">\\(x^2\\)</span>', True),
    ],
)
def test_the_offline_math_check_fails_only_on_raw_tex(
    monkeypatch, tmp_path, dom, fails
):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "screenshot_offline", ROOT / "docs" / "screenshot_offline.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "chromium", lambda *args: dom)
    if fails:
        with pytest.raises(SystemExit, match="did not render offline"):
            module.main(["user_guide.html", str(tmp_path / "shot.png")])
    else:
        module.main(["api.html", str(tmp_path / "shot.png")])
