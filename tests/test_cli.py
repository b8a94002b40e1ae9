"""`skgauss compare` end to end on tiny settings, and its bad-input exits."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from skgauss.cli import main

TINY = ["compare", "--dataset", "iris", "--regularizers", "none,sliced_wasserstein",
        "--max-epochs", "2", "--n-components", "2", "--no-progress", "--no-flow"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "report"
    assert main([*TINY, "--out", str(out), "--format", "json"]) == 0
    return out


def test_report_files(report):
    rows = json.loads((report / "results.json").read_text())
    assert [r["model"] for r in rows] == [
        "PCA(whiten)", "Quantile+PCA(whiten)", "none", "sliced_wasserstein"]
    with open(report / "results.csv") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert len(csv_rows) == len(rows)
    for r, c in zip(rows, csv_rows, strict=True):
        for key, value in r.items():
            if key == "model":
                assert c[key] == value
            else:
                assert float(c[key]) == pytest.approx(value, nan_ok=True)
    assert rows[0]["recon_ratio_pca"] == pytest.approx(1.0)
    for r in rows:
        assert 0 <= r["p_radii"] <= 1 and r["fit_seconds"] >= 0
    pngs = sorted(report.glob("*.png"))
    assert pngs, "no plots written"
    html = (report / "report.html").read_text()
    for png in pngs:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
        assert f'src="{png.name}"' in html
    assert not list(report.parent.glob(".skgauss-*")), "temporary folder left behind"


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_table_formats(tmp_path, capsys, fmt):
    main([*TINY, "--regularizers", "none", "--no-plots", "--out", str(tmp_path / "o"),
          "--format", fmt])
    out = capsys.readouterr().out
    assert "PCA(whiten)" in out and "none" in out
    if fmt == "markdown":
        assert out.lstrip().startswith("| model")


def test_csv_input_with_target_and_text_column(tmp_path, capsys):
    rng = np.random.RandomState(0)
    path = tmp_path / "data.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b", "c", "label", "name"])
        for i in range(40):
            w.writerow([*rng.randn(3).round(4), i % 2, f"row{i}"])
    code = main(["compare", "--data", str(path), "--target", "label", "--regularizers", "none",
                 "--max-epochs", "1", "--n-components", "2", "--no-plots", "--no-progress",
                 "--out", str(tmp_path / "o")])
    assert code == 0
    err = capsys.readouterr().err
    assert "skipped identifier-like text columns" in err and "name" in err
    assert "3 features" in err


def test_csv_text_columns_encoded_several_targets_and_fidelity(tmp_path, capsys):
    rng = np.random.RandomState(0)
    path = tmp_path / "data.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b", "colour", "label", "group"])
        for i in range(60):
            w.writerow([*rng.randn(2).round(4), ["red", "blue", ""][i % 3], i % 2, i % 4])
    code = main(["compare", "--data", str(path), "--target", "label,group",
                 "--regularizers", "none", "--max-epochs", "1", "--n-components", "2",
                 "--no-plots", "--no-progress", "--no-flow", "--format", "json",
                 "--out", str(tmp_path / "o")])
    assert code == 0
    captured = capsys.readouterr()
    assert "one-hot encoded text columns: colour" in captured.err
    assert "5 features" in captured.err  # a, b and three colour categories ("" included)
    rows = json.loads((tmp_path / "o" / "results.json").read_text())
    assert all(0 < r["fidelity_shapes"] <= 1 and 0 < r["fidelity_trends"] <= 1 for r in rows)
    # no more usable features than --n-components: exit 2 with the reason
    _bad(tmp_path, capsys, ["--data", str(path), "--target", "colour", "--target", "label",
                            "--target", "group", "--n-components", "2"],
         "2 usable (non-constant) features")
    _bad(tmp_path, capsys, ["--data", str(path), "--target", "nope"], "--target nope")


def _bad(tmp_path, capsys, args, message):
    out = tmp_path / "never"
    with pytest.raises(SystemExit) as exc:
        main(["compare", *args, "--out", str(out), "--no-progress"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()


def test_bad_inputs(tmp_path, capsys):
    _bad(tmp_path, capsys, ["--data", str(tmp_path / "missing.csv")], "no such file")
    (tmp_path / "text.csv").write_text("a,b\nx,y\nz,w\n")
    _bad(tmp_path, capsys, ["--data", str(tmp_path / "text.csv")],
         "no numeric or categorical columns")
    (tmp_path / "few.csv").write_text("a,b\n1,2\n3,4\n5,6\n")
    _bad(tmp_path, capsys, ["--data", str(tmp_path / "few.csv")], "too few")
    (tmp_path / "bin.parquet").write_bytes(b"\x00garbage")
    _bad(tmp_path, capsys, ["--data", str(tmp_path / "bin.parquet")], "cannot read")
    _bad(tmp_path, capsys, ["--regularizers", "nope"], "unknown regularizer")
    _bad(tmp_path, capsys, ["--dataset", "mnist"], "unknown dataset")
    _bad(tmp_path, capsys, ["--alpha", "x"], "--alpha")
    _bad(tmp_path, capsys, ["--n-components", "100"], "--n-components")
    _bad(tmp_path, capsys, ["--device", "foo"], "--device")
    _bad(tmp_path, capsys, ["--dataset", "iris", "--test-size", "0.95"], "too few")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--dataset", "iris", "--n-components", "2",
              "--out", str(tmp_path / "afile" / "rep")])
    assert exc.value.code == 2 and "not a writable folder" in capsys.readouterr().err


def test_flow_included_when_zuko_installed(tmp_path):
    pytest.importorskip("zuko")
    out = tmp_path / "o"
    args = [a for a in TINY if a != "--no-flow"]
    main([*args, "--regularizers", "none", "--out", str(out), "--format", "json"])
    rows = json.loads((out / "results.json").read_text())
    assert rows[-1]["model"] == "GaussianFlow(nsf)"
    assert (out / "gaussianity_gaussianflow_nsf.png").is_file()


def test_module_entry_point():
    res = subprocess.run([sys.executable, "-m", "skgauss", "compare", "--dataset", "nope"],
                         capture_output=True, text=True)
    assert res.returncode == 2 and "unknown dataset" in res.stderr


def test_ctrl_c_stops_the_whole_run_and_writes_nothing(tmp_path, monkeypatch, capsys):
    # a real SIGINT in the first model's first epoch: skorch swallows the
    # KeyboardInterrupt and returns that model, the run must still stop
    import os
    import signal

    from skorch.callbacks import Callback

    import skgauss.cli as cli

    class SigintOnce(Callback):
        def on_epoch_end(self, net, **kwargs):
            os.kill(os.getpid(), signal.SIGINT)

    fitted = []
    original = cli._fit

    def fit_with_sigint(name, model, *args):
        if hasattr(model, "regularizer") and fitted == ["PCA(whiten)", "Quantile+PCA(whiten)"]:
            model = model.set_params(callbacks=[SigintOnce()])
        fitted.append(name)
        return original(name, model, *args)

    monkeypatch.setattr(cli, "_fit", fit_with_sigint)
    before = signal.getsignal(signal.SIGINT)
    out = tmp_path / "report"
    assert main([*TINY, "--out", str(out)]) == 130
    assert fitted == ["PCA(whiten)", "Quantile+PCA(whiten)", "none"]  # then it stopped
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert "interrupted; nothing written" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is before

