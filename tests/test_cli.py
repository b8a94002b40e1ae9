"""`skgauss compare` end to end on tiny settings, and its bad-input exits."""

import contextlib
import csv
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skgauss.cli import main

TINY = ["compare", "--dataset", "iris", "--regularizers", "none,sliced_wasserstein",
        "--max-epochs", "2", "--n-components", "2", "--no-progress", "--no-flow",
        "--no-variants"]


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    """One text-format run with plots, shared: (stdout, stderr, output folder)."""
    out = tmp_path_factory.mktemp("cli") / "report"
    capture = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(capture[0]), contextlib.redirect_stderr(capture[1]):
        assert main([*TINY, "--out", str(out)]) == 0
    return capture[0].getvalue(), capture[1].getvalue(), out


@pytest.fixture(scope="module")
def report(text_run):
    return text_run[2]


def test_report_files(report):
    rows = json.loads((report / "results.json").read_text())
    assert [r["model"] for r in rows] == [
        "PCA(whiten)", "Quantile+PCA(whiten)", "none", "sliced_wasserstein"]
    with open(report / "results.csv") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert len(csv_rows) == len(rows)
    for r, c in zip(rows, csv_rows, strict=True):
        for key, value in r.items():
            if key == "model" or isinstance(value, bool):
                assert c[key] == str(value)
            else:
                assert float(c[key]) == pytest.approx(value, nan_ok=True)
    assert rows[0]["recon_ratio_pca"] == pytest.approx(1.0)
    from skgauss.stats import TESTS

    for r in rows:  # every registered test has its p-value column
        for name, entry in TESTS.items():
            assert (f"p_{name}" in r) == (entry.test is not None)
        assert 0 <= r["p_radii_ks"] <= 1 and r["fit_seconds"] >= 0
        assert r["pass_standard"] == (r["p_standard"] > 0.05)
    assert sorted(r["rank"] for r in rows) == [1, 2, 3, 4]
    pngs = sorted(report.glob("*.png"))
    assert pngs, "no plots written"
    html = (report / "report.html").read_text()
    for png in pngs:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
        assert f'src="{png.name}"' in html
    assert not list(report.parent.glob(".skgauss-*")), "temporary folder left behind"


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_table_formats(tmp_path, capsys, fmt):
    main([*TINY, "--regularizers", "none", "--no-plots", "--out", str(tmp_path / "o"),
          "--format", fmt])
    captured = capsys.readouterr()
    out = captured.out
    assert "PCA(whiten)" in out and "none" in out
    if fmt == "json":  # stdout is only the rows; the verdict goes to stderr
        written = (tmp_path / "o" / "results.json").read_text()
        assert json.dumps(json.loads(out)) == json.dumps(json.loads(written))  # NaN-safe
        assert "VERDICT\n" in captured.err
        return
    assert out.startswith("VERDICT\n")
    if fmt == "markdown":
        assert "\n| # | model |" in out


def test_verdict_names_a_model_and_follows_the_rule(text_run):
    stdout, _, out = text_run
    rows = json.loads((out / "results.json").read_text())
    by_rank = sorted(rows, key=lambda r: r["rank"])
    lines = stdout.splitlines()
    assert lines[0] == "VERDICT"
    assert lines[1] == "ranking: " + " > ".join(r["model"] for r in by_rank)
    # the paragraph names the most Gaussian model, with its reconstruction cost
    most = max(rows, key=lambda r: r["gaussianity"])
    assert f"The most Gaussian latent is {most['model']} " in stdout
    assert f"{most['recon_ratio_pca']:.2f}× PCA's" in stdout
    passing = [r["model"] for r in by_rank if r["pass_standard"]]
    assert f"pass 'N(0, I)?' at 0.05 on {rows[0]['n_test']} held-out rows: " + (
        ", ".join(passing) or "no model") in stdout
    # the verdict comes before the compact table, which is in ranking order
    table = stdout.index("recon ÷ PCA")
    assert stdout.index("The most Gaussian latent") < table
    body = [ln for ln in stdout[table:].splitlines()[2:] if ln[:1].isdigit()]
    assert [ln.split()[1] for ln in body] == [r["model"] for r in by_rank]
    assert (out / "verdict.txt").read_text().startswith("VERDICT\n")


def test_progress_has_no_silent_steps(text_run):
    _, stderr, _ = text_run
    for name in ["PCA(whiten)", "Quantile+PCA(whiten)", "none", "sliced_wasserstein"]:
        assert f"fitting {name} ..." in stderr and f"{name}: fitted in" in stderr
        assert f"plotting {name} ..." in stderr
    assert "plotting the trade-off" in stderr


def test_html_verdict_first_and_one_tab_per_model(text_run):
    _, _, out = text_run
    rows = json.loads((out / "results.json").read_text())
    page = (out / "report.html").read_text()
    assert page.index('class="verdict"') < page.index("<table>")
    tabs = re.findall(r'<a href="#(m-[^"]+)">\d+\. ([^<]+)</a>', page)
    assert [t[1] for t in tabs] == [r["model"] for r in sorted(rows, key=lambda r: r["rank"])]
    for anchor, name in tabs:
        panel = page.split(f'id="{anchor}"')[1].split('class="panel"')[0]
        assert re.search(r'src="gaussianity_[a-z_]+\.png"', panel), name
    for key in rows[0]:  # the details table holds every column of the results
        assert f"<th class=\"\">{key}</th>" in page or key == "model"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs the chromium package")
def test_report_renders_in_headless_chromium(text_run, tmp_path):
    sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
    try:
        from screenshot_report import screenshot
    finally:
        sys.path.pop(0)
    _, _, out = text_run
    png = screenshot(out / "report.html", tmp_path / "shot.png", window_size="1200,1600")
    import matplotlib.image

    pixels = matplotlib.image.imread(png)
    assert pixels.shape[:2] == (1600, 1200)
    # not a blank page: the verdict box, tables and figures give many distinct rows
    rows = pixels[..., :3].reshape(1600, -1)
    assert len({r.tobytes() for r in rows}) > 300
    # one model's tab: another page, and the temporary copy is gone
    last = re.findall(r'class="panel" id="([^"]+)"', (out / "report.html").read_text())[-1]
    tab = screenshot(out / "report.html", tmp_path / "tab.png", window_size="1200,1600",
                     fragment=last)
    assert not (matplotlib.image.imread(tab) == pixels).all()
    assert not list(out.glob(".screenshot-*"))
    with pytest.raises(RuntimeError, match="no element"):
        screenshot(out / "report.html", tmp_path / "x.png", fragment="m-nope")


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


def test_generative_variants_included(tmp_path):
    """What each step of the generative latent buys: one row per step (issue #14)."""
    pytest.importorskip("zuko")
    out = tmp_path / "o"
    args = [a for a in TINY if a != "--no-variants"]
    main([*args, "--regularizers", "none", "--no-plots", "--out", str(out),
          "--format", "json"])
    rows = {r["model"]: r for r in json.loads((out / "results.json").read_text())}
    steps = ["single stage", "+ decoder noise", "+ noise, GMM sampler", "+ noise, latent flow"]
    assert set(steps) <= set(rows)
    # the codes are the same network's until the flow changes them; the samples differ
    assert rows["single stage"]["p_affine"] == rows["+ decoder noise"]["p_affine"]
    assert rows["+ noise, latent flow"]["p_affine"] != rows["single stage"]["p_affine"]
    assert len({rows[s]["sample_energy"] for s in steps}) == 4


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



def _row(model, mse, g, **kw):
    return {"model": model, "recon_mse": mse, "recon_ratio_pca": mse, "gaussianity": g,
            "p_affine": 0.5, "p_standard": 0.01, "pass_affine": True, "pass_standard": False,
            "sample_energy": 0.1, "n_test": 50, **kw}


def test_rank_puts_pca_level_reconstruction_first_then_gaussianity():
    from skgauss.cli._verdict import rank, verdict

    rows = [_row("sharp", 0.40, -0.50), _row("near", 1.05, -0.10), _row("blob", 3.0, -0.001),
            _row("broken", float("nan"), -0.2), _row("ok", 1.20, -0.30)]
    # within 10 % of PCA's MSE (ratio <= 1.1): near (-0.10), sharp (-0.50); then the
    # others by score: blob (-0.001), ok (-0.30); NaN last
    assert rank(rows) == [1, 0, 2, 4, 3]
    v = verdict(rows)
    assert v.ranking == ["near", "sharp", "blob", "ok", "broken"]
    assert v.answer.startswith("The most Gaussian latent is blob ")
    assert "so near ranks first" in v.answer
    assert v.standard == [] and v.gaussian == v.ranking
    # an unregularized net that reconstructs best does not win by reconstruction alone
    assert verdict([_row("none", 0.42, -0.12), _row("mmd", 0.463, -0.004)]).ranking[0] == "mmd"


def test_pareto_front():
    from skgauss.cli._report import pareto_front

    cost = np.array([1.0, 1.0, 2.0, 0.5, 3.0, np.nan])
    score = np.array([-0.5, -0.2, -0.1, -0.9, -0.3, 0.0])
    # 0 is dominated by 1 (same cost, worse score); 4 by 2; NaN never on the front
    assert pareto_front(cost, score).tolist() == [3, 1, 2]


def test_auto_alpha_keeps_kl_and_adversarial_from_collapsing():
    from skgauss.cli import build_parser
    from skgauss.cli._models import build_models

    args = build_parser().parse_args(["compare", "--regularizers", "kl,adversarial,none"])
    models = build_models(args, n_features=10, n_train=100)
    assert [models[n].alpha for n in ("kl", "adversarial", "none")] == [0.01, 0.1, 1.0]


def test_alpha_grid_shows_the_winning_alpha(tmp_path, capsys):
    out = tmp_path / "o"
    main([*TINY, "--regularizers", "sliced_wasserstein", "--no-plots", "--alpha", "0.1,5",
          "--out", str(out)])
    stdout = capsys.readouterr().out
    rows = {r["model"]: r for r in json.loads((out / "results.json").read_text())}
    assert rows["sliced_wasserstein"]["alpha"] in (0.1, 5.0)
    head = next(ln for ln in stdout.splitlines() if "recon ÷ PCA" in ln)
    assert "alpha" in head.split()
    # the table's row (the ranking line above it names the model too)
    line = next(ln for ln in stdout.splitlines() if ln.split()[1:2] == ["sliced_wasserstein"])
    assert f"{rows['sliced_wasserstein']['alpha']:g}" in line.split()


def test_bad_settings_exit_2_before_training(tmp_path, capsys, monkeypatch):
    """Issue 16 item 10: each is one line and exit 2, and no model is trained."""
    from skgauss.cli import _models

    def no_training(*args, **kwargs):
        raise AssertionError("a model was trained")

    monkeypatch.setattr(_models, "_fit", no_training)
    monkeypatch.setattr("skgauss.cli._fit", no_training, raising=False)
    base = ["--dataset", "iris", "--n-components", "2", "--no-plots"]
    rows = np.random.RandomState(0).randn(30, 3)
    rows[0, 0] = 1e200
    np.savetxt(tmp_path / "huge.csv", rows, delimiter=",", header="a,b,c", comments="")
    _bad(tmp_path, capsys, ["--data", str(tmp_path / "huge.csv"), "--n-components", "2"],
         "rescale")
    _bad(tmp_path, capsys, [*base, "--alpha", "1e308"], "--alpha")
    _bad(tmp_path, capsys, [*base, "--seed", "-1"], "--seed")
    _bad(tmp_path, capsys, [*base, "--n-jobs", "0"], "--n-jobs")
    _bad(tmp_path, capsys, [*base, "--device", "cuda:9"], "--device")
    _bad(tmp_path, capsys, [*base, "--device", "meta"], "--device")
    _bad(tmp_path, capsys, [*base, "--threads", "100000"], "--threads")
    _bad(tmp_path, capsys, [*base, "--max-epochs", "0"], "--max-epochs")
    _bad(tmp_path, capsys, [*base, "--regularizers", ","], "no regularizer named")
    _bad(tmp_path, capsys, [*base, "--regularizers", "none,none"], "repeated")


def test_unwritable_out_refused_before_training(capsys, monkeypatch):
    import os
    import tempfile

    from skgauss.cli import _models

    def no_training(*args, **kwargs):
        raise AssertionError("a model was trained")

    monkeypatch.setattr(_models, "_fit", no_training)
    monkeypatch.setattr("skgauss.cli._fit", no_training, raising=False)

    def refuse(*args, **kwargs):  # what /proc does, even for root
        raise OSError(2, "No such file or directory")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--dataset", "iris", "--n-components", "2", "--no-plots",
              "--out", os.path.join(tempfile.gettempdir(), "skgauss-never")])
    assert exc.value.code == 2 and "cannot write" in capsys.readouterr().err


@pytest.mark.parametrize("gap", ["", "NA", "?"])
def test_csv_numbers_with_missing_cells_are_refused(tmp_path, capsys, gap):
    """A numeric column with a blank (or NA) cell is not a text column: exit 2
    naming it, rather than one-hot encoding its numbers."""
    path = tmp_path / "t.csv"
    rows = [f"{i},{(i % 7) + 1 if i != 5 else gap},{i * 0.5}" for i in range(40)]
    path.write_text("id,rating,x\n" + "\n".join(rows) + "\n")
    _bad(tmp_path, capsys, ["--data", str(path)],
         "column 'rating' holds numbers with 1 missing cell(s) (first in data row 6)")
