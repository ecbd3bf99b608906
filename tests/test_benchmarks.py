import importlib.util
import json
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("benchmarks_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_benchmark_run_writes_every_section(bench, tmp_path, capsys):
    results = bench.main(["--quick", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "results.json").read_text())
    for section in (
        "roofline",
        "loop_vs_vectorized",
        "time_to_solution",
        "memory",
        "scaling",
        "grid_search",
        "demo",
        "startup",
        "small_data",
        "iteration_cost",
    ):
        assert saved[section], section
        assert saved[section] == json.loads(json.dumps(results[section]))
    assert all(row["ratio_to_X@w"] > 0 for row in saved["roofline"])
    assert all(row["peak_over_X"] > 1 for row in saved["memory"])
    assert saved["demo"][0]["speedup"] > 0
    startup = saved["startup"][0]
    assert min(startup["import_sklearn_gd_s"], startup["second_fit_s"]) > 0
    methods = {row["method"] for row in saved["time_to_solution"]}
    assert "lbfgs (LogisticRegression)" in methods
    table = (tmp_path / "results.md").read_text()
    assert "### (a) Roofline" in table and "### (f) 5-fold search" in table
    assert all(row["same_alpha"] for row in saved["grid_search"])
    assert "### (c) Time to J" in capsys.readouterr().out
    assert {row["what"] for row in saved["small_data"]} == {
        "default fit",
        "GridSearchCV, 4 alphas (4 Cs) x 5 folds",
    }
    assert all(row["ratio"] > 0 for row in saved["small_data"])
    # A difference of two timings: its sign is the machine's load in a smoke
    # run, so only the rows are checked.
    assert [row["rule"] for row in saved["iteration_cost"]][0].startswith("default")
    assert all(row["passes_per_iteration"] >= 1 for row in saved["iteration_cost"])


def test_quick_busy_machine_run_times_both_loads(capsys):
    spec = importlib.util.spec_from_file_location(
        "benchmarks_busy", RUN.parent / "busy_machine.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    idle, busy = module.main(["--quick"])
    assert len(idle) == len(busy) == 4  # 2 sizes x (binary, 10 classes)
    assert all(row["chosen / one"] > 0 for row in idle + busy)
    out = capsys.readouterr().out
    assert "### Idle" in out and "spinning process" in out


def test_markdown_table_formats_missing_values(bench):
    table = bench.markdown_table([{"a": 1.23456, "b": None}], ["a", "b"])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1.23 | - |"]


def test_quick_scale_out_run_writes_every_section(tmp_path):
    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location(
        "benchmarks_scale_out", RUN.parent / "scale_out.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = module.main(["--quick", "--out", str(tmp_path)])
    saved = json.loads((tmp_path / "scale_out.json").read_text())
    engines = [row["engine"] for row in saved["large"]]
    assert engines == [
        "NumPy",
        "Dask, synchronous",
        "Dask, threads",
        "Dask, 2-process LocalCluster",
    ]
    assert [row["engine"] for row in saved["torch"]][:3] == [
        "NumPy",
        "torch cpu float64",
        "torch cpu float32",
    ]
    assert saved["tiny"] == json.loads(json.dumps(results["tiny"]))
    assert "### (i) PyTorch" in (tmp_path / "scale_out.md").read_text()
    # The two searches over the same grid and folds choose the same alpha.
    ours, theirs = saved["search"][1], saved["search"][0]
    assert ours["engine"] == "GDLogisticClassifierCV on the Dask array"
    assert ours["alpha chosen"] == theirs["alpha chosen"]
    assert ours["speedup"] > 0 and theirs["speedup"] == 1.0


def test_step_rules_tables_say_what_each_method_reached(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        "benchmarks_step_rules", RUN.parent / "step_rules.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = [
        {"problem": "p", "method": "adaptive", "monotone": True,
         "iter 0.0001": 11, "passes 0.0001": 18, "time 0.0001": 1.2,
         "iter 1e-06": None, "passes 1e-06": None, "time 1e-06": None,
         "x lbfgs 0.0001": 1.21, "x lbfgs 1e-06": None},
        {"problem": "p", "method": "lbfgs", "monotone": None,
         "iter 0.0001": 8, "passes 0.0001": None, "time 0.0001": 1.0,
         "iter 1e-06": 11, "passes 1e-06": None, "time 1e-06": 1.0,
         "x lbfgs 0.0001": 1.0, "x lbfgs 1e-06": 1.0},
    ]  # fmt: skip
    saved = tmp_path / "rows.json"
    saved.write_text(json.dumps(rows))
    module.main(["--from-json", str(saved), "--rst", str(tmp_path / "t.rst")])
    table = capsys.readouterr().out.splitlines()
    assert table[2] == "| p | adaptive | yes | 11 | 18 | - | - | 1.21 | - |"
    assert table[3] == "| p | lbfgs | - | 8 | - | 11 | - | 1.00 | 1.00 |"
    rst = (tmp_path / "t.rst").read_text().splitlines()
    assert rst[0] == ".. csv-table::"
    assert rst[-1] == '   "p", "lbfgs", "-", "8", "-", "11", "-", "1.00", "1.00"'


def test_quick_peers_run_reaches_the_target_for_every_solver(capsys):
    spec = importlib.util.spec_from_file_location(
        "benchmarks_peers", RUN.parent / "peers.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.measure(quick=True, rounds=1)
    timed = [row for row in rows if "note" not in row]
    # Every installed solver was checked against the optimum, not assumed.
    assert len(timed) >= 2 * 4
    assert all(0 < row["seconds"] and row["gap"] <= module.TARGET for row in timed)
    for row in rows:
        if "note" in row:
            assert row["solver"].startswith("scikit-learn-intelex")
    assert "| ratio |" in module.table(rows)


def test_z_space_trials_prototype_takes_the_rules_decisions():
    # The prototype's two schemes take the decisions of the package's own
    # rule (its iterations and passes at the same tol) and differ only in
    # the products with X they need for them.
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    from sklearn_gd import GDLogisticClassifier

    spec = importlib.util.spec_from_file_location(
        "benchmarks_z_space", RUN.parent / "z_space_trials.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.main(["--quick"])
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    for rule, momentum in (("default", 0.0), ("momentum=0.9", 0.9)):
        full, z = (r for r in rows if r["rule"] == rule)
        model = GDLogisticClassifier(tol=1e-2, momentum=momentum).fit(X, y)
        assert full["iterations"] == z["iterations"] == model.n_iter_
        assert full["pointwise"] == z["pointwise"] == model.n_passes_
        assert abs(full["cost"] - z["cost"]) <= 1e-12 * full["cost"]
        assert z["x_reads"] < full["x_reads"]
        assert z["forward"] == z["iterations"] + z["restarts"]
