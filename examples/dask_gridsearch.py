"""Grid search over regularizers and alpha on a Dask cluster.
==========================================================

scikit-learn's GridSearchCV parallelises through joblib; under
``joblib.parallel_config(backend="dask")`` its fits run on a ``distributed``
cluster. Here a LocalCluster of two single-threaded workers stands in for a real
one (pass a scheduler address to ``Client`` instead). The results are identical
to a sequential run: every fit is seeded by ``random_state``.

Needs ``pip install 'skgauss[dask]'``.

    python examples/dask_gridsearch.py
"""

from distributed import Client, LocalCluster
from joblib import parallel_config
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skgauss import GaussianAutoencoder
from skgauss.metrics import gaussianity_scorer, make_tradeoff_refit, reconstruction_scorer


def main() -> None:
    X = StandardScaler().fit_transform(load_digits().data)
    search = GridSearchCV(
        GaussianAutoencoder(n_components=8, max_epochs=20, random_state=0),
        {"regularizer": ["sliced_wasserstein", "cramer_wold", "edf"], "alpha": [0.3, 1.0, 3.0]},
        scoring={"gaussianity": gaussianity_scorer, "reconstruction": reconstruction_scorer},
        refit=make_tradeoff_refit(),
        cv=3,
        n_jobs=-1,
    )
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster):
        with parallel_config(backend="dask"):
            search.fit(X)
    print("chosen:", search.best_params_)


if __name__ == "__main__":
    main()
