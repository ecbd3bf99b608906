import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import sklearn_gd
from sklearn_gd.__main__ import format_table, main, run_demo, save_cost_curves


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_demo_fits_both_solvers_to_the_same_model():
    rows = run_demo(max_iter=30, seconds=0.0, min_fits=2)
    assert [row["solver"] for row in rows] == ["loop", "vectorized"]
    assert rows[0]["n_fits"] == rows[1]["n_fits"] == 2
    loop, vectorized = rows
    assert loop["n_iter"] == vectorized["n_iter"] == 30
    assert abs(loop["cost"] - vectorized["cost"]) <= 1e-12
    assert loop["test_accuracy"] == vectorized["test_accuracy"] > 0.9


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_demo_fits_each_solver_for_its_time_budget(monkeypatch):
    # A clock that says each fit took 0.1 s, then 0.2 s, ...: the demo fits
    # until the budget is spent and reports the fastest fit.
    ticks = iter(range(10**6))

    def perf_counter():  # a fit's start reads 0, its end 0.1, 0.2, ...
        tick = next(ticks)
        return 0.0 if tick % 2 == 0 else 0.05 * (tick + 1)

    clock = SimpleNamespace(perf_counter=perf_counter)
    monkeypatch.setattr("sklearn_gd.__main__.time", clock)
    loop, vectorized = run_demo(max_iter=2, seconds=1.0, min_fits=1)
    # 0.1 + 0.2 + 0.3 + 0.4 = 1.0 s: four fits, the first the fastest.
    assert loop["n_fits"] == 4 and loop["fit_seconds"] == pytest.approx(0.1)
    assert vectorized["n_fits"] >= 1 and loop["seconds"] == 1.0


def _fake_rows():
    row = {
        "n_iter": 2,
        "cost": 0.25,
        "train_accuracy": 1.0,
        "test_accuracy": 0.5,
        "cost_history": [0.7, 0.25],
        "n_train": 426,
        "n_fits": 3,
        "seconds": 0.5,
    }
    return [
        {**row, "solver": "loop", "fit_seconds": 3.0},
        {**row, "solver": "vectorized", "fit_seconds": 0.1},
    ]


def test_main_prints_the_table_and_saves_the_curves(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sklearn_gd.__main__.run_demo", _fake_rows)
    main()
    out = capsys.readouterr().out
    assert "breast-cancer" in out
    assert format_table(_fake_rows()) in out
    assert "vectorized speed-up over loop: 30.0x, whole fits (each solver's" in out
    assert "of 3 and 3 fits in 0.5 s; 2 iterations on 426 examples" in out
    assert "one pass over X alone" in out  # and where the per-pass figure is
    png = tmp_path / "sklearn_gd_cost_curves.png"
    assert out.rstrip().endswith(f"cost curves saved to {png}")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("seconds", [0.05, 4.2])
def test_main_says_when_it_compiled_the_kernels(capsys, monkeypatch, tmp_path, seconds):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sklearn_gd.__main__.run_demo", _fake_rows)
    monkeypatch.setattr("sklearn_gd.__main__.compile_kernels", lambda: seconds)
    main()
    out = capsys.readouterr().out
    said = "compiled the vectorized solver, its kernels and its rule, in 4.2 s" in out
    assert said == (seconds > 1.0)


def test_demo_curves_are_both_solvers_histories(tmp_path):
    rows = _fake_rows()
    rows[1]["cost_history"] = [0.7, 0.3]
    import matplotlib.pyplot as plt

    opened = []
    real_savefig = plt.Figure.savefig

    def spy(figure, *args, **kwargs):
        opened.append([line.get_ydata().tolist() for line in figure.axes[0].lines])
        return real_savefig(figure, *args, **kwargs)

    plt.Figure.savefig = spy
    try:
        save_cost_curves(rows, tmp_path / "curves.png")
    finally:
        plt.Figure.savefig = real_savefig
    assert opened == [[[0.7, 0.25], [0.7, 0.3]]]


def test_without_matplotlib_main_says_how_to_get_the_plot(capsys, monkeypatch):
    monkeypatch.setattr("sklearn_gd.__main__.run_demo", _fake_rows)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    main()
    out = capsys.readouterr().out
    assert "pip install matplotlib" in out and "sklearn-gd[" not in out


def test_python_m_sklearn_gd_runs(tmp_path):
    # The same sklearn_gd as the tests import, run from an empty folder.
    env = {**os.environ, "PYTHONPATH": str(Path(sklearn_gd.__file__).parents[1])}
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_gd"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=tmp_path,
        env=env,
    )
    assert "| vectorized |" in result.stdout
    assert "vectorized speed-up over loop" in result.stdout
    assert "C=np.inf is\nthe textbook's unpenalised cost" in result.stdout
    assert (tmp_path / "sklearn_gd_cost_curves.png").exists()
    assert "Warning" not in result.stderr


def test_the_demo_modules_docstring_examples_hold():
    # pytest's --doctest-modules skips files named __main__.py: run them here,
    # where a warning is a failure, as in every snippet a user runs first.
    import doctest
    import warnings

    import sklearn_gd.__main__ as demo

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = doctest.testmod(
            demo, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
        )
    assert result.attempted > 0
    assert result.failed == 0
