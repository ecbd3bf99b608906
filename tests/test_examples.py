import re
import runpy
import warnings
from pathlib import Path

import pytest
import sklearn
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
