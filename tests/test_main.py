import subprocess
import sys

import pytest

from sklearn_gd.__main__ import format_table, main, run_demo


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_demo_fits_both_solvers_to_the_same_model():
    rows = run_demo(max_iter=30)
    assert [row["solver"] for row in rows] == ["loop", "vectorized"]
    loop, vectorized = rows
    assert loop["n_iter"] == vectorized["n_iter"] == 30
    assert abs(loop["cost"] - vectorized["cost"]) <= 1e-12
    assert loop["test_accuracy"] == vectorized["test_accuracy"] > 0.9


def test_main_prints_the_table_and_the_speedup(capsys, monkeypatch):
    fake_rows = [
        {
            "solver": "loop",
            "n_iter": 7,
            "cost": 0.25,
            "train_accuracy": 1.0,
            "test_accuracy": 0.5,
            "fit_seconds": 3.0,
        },
        {
            "solver": "vectorized",
            "n_iter": 7,
            "cost": 0.25,
            "train_accuracy": 1.0,
            "test_accuracy": 0.5,
            "fit_seconds": 0.1,
        },
    ]
    monkeypatch.setattr("sklearn_gd.__main__.run_demo", lambda: fake_rows)
    main()
    out = capsys.readouterr().out
    assert "breast-cancer" in out
    assert format_table(fake_rows) in out
    assert out.rstrip().endswith("vectorized speedup over loop: 30.0x")


def test_python_m_sklearn_gd_runs():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_gd"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "| vectorized |" in result.stdout
    assert "vectorized speedup over loop" in result.stdout
    assert "Warning" not in result.stderr
