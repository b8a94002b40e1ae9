"""Display classes: stored data (not pixels), figures with titles and labels, extra."""

import sys

import numpy as np
import pytest
from sklearn.base import clone

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skgauss import GaussianAutoencoder  # noqa: E402
from skgauss.plotting import (  # noqa: E402
    GaussianityDisplay,
    SampleDisplay,
    TrainingCurveDisplay,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).standard_normal((120, 16))


@pytest.fixture(scope="module")
def fitted(X):
    kw = dict(n_components=2, hidden_layer_sizes=(16,), max_epochs=3, random_state=0)
    return GaussianAutoencoder(**kw).fit(X)


def normal(n=1000, d=4, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


def near_diagonal(theoretical, empirical) -> bool:
    corr = np.corrcoef(theoretical, empirical)[0, 1]
    relative = np.median(np.abs(empirical - theoretical) / theoretical)
    return corr > 0.99 and relative < 0.1


def assert_labelled(figure, axes):
    assert figure.get_axes()
    for ax in axes:
        assert ax.get_title(), ax
        assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()


def save(display, tmp_path, name):
    path = tmp_path / f"{name}.png"
    display.figure_.savefig(path, dpi=40)
    assert path.stat().st_size > 1000


@pytest.mark.parametrize("which", ["radii", "pairs"])
def test_qq_near_diagonal_for_standard_normal_only(which):
    good = GaussianityDisplay.from_codes(normal())
    bad = GaussianityDisplay.from_codes(2 * normal())
    qq = {disp: (getattr(disp, f"{which}_theoretical"),
                 getattr(disp, f"{which}_empirical")) for disp in (good, bad)}
    assert near_diagonal(*qq[good])
    assert not near_diagonal(*qq[bad])
    theoretical, empirical = qq[bad]
    assert np.median(empirical / theoretical) == pytest.approx(4, rel=0.15)


def test_pairs_subsampled_and_seeded():
    Z = normal(300, 3)
    disp = GaussianityDisplay.from_codes(Z, max_pairs=500, random_state=1)
    assert disp.pairs_empirical.shape == disp.pairs_theoretical.shape == (500,)
    assert np.all(np.diff(disp.pairs_empirical) >= 0)
    again = GaussianityDisplay.from_codes(Z, max_pairs=500, random_state=1)
    np.testing.assert_array_equal(disp.pairs_empirical, again.pairs_empirical)
    np.testing.assert_array_equal(disp.directions, again.directions)
    small = GaussianityDisplay.from_codes(Z[:20], max_pairs=500)
    assert small.pairs_empirical.shape == (20 * 19 // 2,)


def test_least_gaussian_projection_finds_bimodal_axis():
    rng = np.random.default_rng(0)
    Z = normal()
    bimodal = Z.copy()
    modes = rng.choice([-0.95, 0.95], len(Z))
    bimodal[:, 0] = modes + 0.3 * rng.standard_normal(len(Z))
    good = GaussianityDisplay.from_codes(Z)
    bad = GaussianityDisplay.from_codes(bimodal)
    assert bad.projection_statistic > 2 * good.projection_statistic
    assert np.linalg.norm(bad.directions[:, 0]) > 0.9  # the plane holds axis 0
    np.testing.assert_allclose(bad.directions @ bad.directions.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(bad.projection, bimodal @ bad.directions.T)
    assert bad.coordinate_statistics.argmax() == 0


def test_coordinates_capped_at_least_gaussian():
    Z = normal(500, 12)
    Z[:, 10] *= 3
    disp = GaussianityDisplay.from_codes(Z, max_coordinates=8)
    assert len(disp.coordinates) == 8 and 10 in disp.coordinates
    assert disp.axes_["coordinates"].size == 8


def test_gaussianity_plot_labelled(tmp_path):
    disp = GaussianityDisplay.from_codes(normal(300, 3), name="toy")
    assert disp.figure_.get_suptitle().endswith("toy")
    main = [disp.axes_[k] for k in ("radii", "pairs", "projection")]
    assert_labelled(disp.figure_, main)
    for ax in disp.axes_["coordinates"].flat:
        assert ax.get_title() and ax.get_xlabel()
    save(disp, tmp_path, "gaussianity")


def test_one_dimensional_codes(tmp_path):
    disp = GaussianityDisplay.from_codes(normal(200, 1))
    assert disp.projection is None and disp.directions is None
    assert disp.radii_empirical.shape == (200,)
    texts = [t.get_text() for t in disp.axes_["projection"].texts]
    assert any("d = 1" in t for t in texts)
    save(disp, tmp_path, "gaussianity_1d")


def test_from_estimator_and_given_axes(fitted, X):
    disp = GaussianityDisplay.from_estimator(fitted, X, n_directions=20)
    assert "GaussianAutoencoder" in disp.figure_.get_suptitle()
    np.testing.assert_allclose(np.sort((fitted.transform(X) ** 2).sum(1)),
                               disp.radii_empirical)
    figure, ax = plt.subplots(constrained_layout=True)
    assert disp.plot(ax=ax) is disp and disp.figure_ is figure


@pytest.mark.parametrize("validation_fraction", [0.0, 0.1])
def test_training_curves_equal_history(fitted, X, tmp_path, validation_fraction):
    est = fitted  # default validation_fraction=0.1
    if validation_fraction == 0:
        est = clone(fitted).set_params(validation_fraction=0.0).fit(X)
    disp = TrainingCurveDisplay.from_estimator(est)
    keys = ("epoch", "train_recon", "train_penalty", "valid_recon", "valid_penalty")
    for key in keys:
        stored = getattr(disp, "epochs" if key == "epoch" else key)
        if validation_fraction == 0 and key.startswith("valid"):
            assert stored is None
        else:
            np.testing.assert_array_equal(stored, [row[key] for row in est.history_])
    lines = 1 + (validation_fraction > 0)
    assert [len(ax.get_lines()) for ax in disp.axes_] == [lines, lines]
    assert disp.axes_[0].get_yscale() == "log"
    assert_labelled(disp.figure_, disp.axes_)
    save(disp, tmp_path, f"training_{validation_fraction}")


def test_training_curves_linear_scale_for_nonpositive_values():
    disp = TrainingCurveDisplay(epochs=np.arange(1, 4), train_recon=np.ones(3),
                                train_penalty=np.array([0.1, -0.01, 0.02])).plot()
    assert [ax.get_yscale() for ax in disp.axes_] == ["log", "linear"]


def test_sample_display_shapes_and_inverse(fitted, X, tmp_path):
    disp = SampleDisplay.from_estimator(fitted, X, image_shape=(4, 4), n_samples=9,
                                        inverse=lambda x: x + 100)
    for images in (disp.real_images, disp.reconstructed_images, disp.sampled_images):
        assert images.shape == (9, 4, 4)
    assert disp.real_images.min() > 90
    rows = disp.real_images.reshape(9, 16) - 100
    assert all(np.any(np.all(np.isclose(X, row), axis=1)) for row in rows)
    assert [ax.get_title() for ax in disp.axes_] \
        == ["real (9)", "reconstructed (9)", "sampled from N(0, I) (9)"]
    assert all(ax.get_xlabel() for ax in disp.axes_)
    save(disp, tmp_path, "samples")


def test_sample_display_wrong_image_shape(fitted, X):
    with pytest.raises(ValueError, match=r"image_shape=\(8, 8\).*16 features"):
        SampleDisplay.from_estimator(fitted, X, image_shape=(8, 8))


def test_missing_matplotlib_names_the_extra(monkeypatch, fitted, X):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    calls = [lambda: GaussianityDisplay.from_codes(normal(50, 2)),
             lambda: TrainingCurveDisplay.from_estimator(fitted),
             lambda: SampleDisplay.from_estimator(fitted, X, image_shape=(4, 4))]
    for call in calls:
        with pytest.raises(ImportError, match=r"requires matplotlib.*skgauss\[plot\]"):
            call()


def test_qq_panels_clip_one_outlier_and_mark_it():
    Z = normal(500, 3)
    Z[0] = 60.0  # one far outlier: |z|^2 = 10800 against chi2_3 quantiles below ~20
    disp = GaussianityDisplay.from_codes(Z)
    for key in ("radii", "pairs"):
        ax = disp.axes_[key]
        top = ax.get_ylim()[1]
        assert top < 100, (key, top)  # the other 499 rows are not flattened
        labels = [ln.get_label() for ln in ax.get_lines()]
        clipped = [ln for ln in ax.get_lines() if "clipped" in ln.get_label()]
        assert len(clipped) == 1, labels
        n_marked = len(clipped[0].get_ydata())
        assert n_marked >= 1 and np.all(np.asarray(clipped[0].get_ydata()) <= top)
    assert "1 clipped above" in disp.axes_["radii"].get_legend().get_texts()[-1].get_text()
    # without clipping every value is on the axes
    full = GaussianityDisplay.from_codes(Z).plot(clip_quantile=None)
    assert full.axes_["radii"].get_ylim()[1] > 10_000
    with pytest.raises(ValueError, match="clip_quantile"):
        disp.plot(clip_quantile=1.5)


def test_qq_panels_clip_nothing_for_standard_normal_codes():
    disp = GaussianityDisplay.from_codes(normal(500, 3))
    for key in ("radii", "pairs"):
        assert not [ln for ln in disp.axes_[key].get_lines() if "clipped" in ln.get_label()]
