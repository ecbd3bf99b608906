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
    ):
        assert saved[section], section
        assert saved[section] == json.loads(json.dumps(results[section]))
    assert all(row["ratio_to_X@w"] > 0 for row in saved["roofline"])
    assert all(row["peak_over_X"] > 1 for row in saved["memory"])
    methods = {row["method"] for row in saved["time_to_solution"]}
    assert "lbfgs (LogisticRegression)" in methods
    table = (tmp_path / "results.md").read_text()
    assert "### (a) Roofline" in table and "### (f) 5-fold search" in table
    assert all(row["same_alpha"] for row in saved["grid_search"])
    assert "### (c) Time to J" in capsys.readouterr().out


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
