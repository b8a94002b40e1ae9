"""Fingerprint the estimators' outputs, to check that a refactor keeps them.

Fits a few seeded configurations (four regularizers, warm start with a mixture
sampler, partial_fit with dequantisation, a mixed-type table, GaussianFlow with
and without PCA) and saves their codes, samples and log-densities::

    python scripts/fingerprint.py before.npz   # on the old checkout (PYTHONPATH)
    python scripts/fingerprint.py after.npz
    python scripts/fingerprint.py --compare before.npz after.npz

``--compare`` prints, per output, whether the two files hold bit-identical arrays
and exits 1 if any differs. One torch thread, CPU.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np


def fingerprint() -> dict[str, np.ndarray]:
    import pandas as pd
    import torch
    from sklearn.datasets import load_digits, load_wine
    from sklearn.preprocessing import StandardScaler

    from skgauss import GaussianAutoencoder, GaussianFlow

    torch.set_num_threads(1)
    X = StandardScaler().fit_transform(load_wine().data)
    out = {}
    for r in ["sliced_wasserstein", "kl", "adversarial", {"mmd": 1.0, "edf": 0.5}]:
        m = GaussianAutoencoder(2, regularizer=r, max_epochs=3, random_state=0).fit(X)
        out[f"codes {r}"], out[f"sample {r}"] = m.transform(X), m.sample(5, random_state=1)
    m = GaussianAutoencoder(2, max_epochs=2, random_state=0, warm_start=True,
                            latent_sampler="gmm").fit(X)
    m.fit(X)
    out["codes warm start"], out["sample warm start"] = m.transform(X), m.sample(5, random_state=2)
    m = GaussianAutoencoder(2, max_epochs=2, random_state=0, dequantize="uniform")
    m.partial_fit(X[:100])
    m.partial_fit(X[100:])
    out["codes partial_fit"] = m.transform(X)
    rng = np.random.RandomState(0)
    df = pd.DataFrame({"a": rng.randn(150), "b": rng.choice(list("xyz"), 150),
                       "c": rng.randint(0, 5, 150)})
    m = GaussianAutoencoder(categorical_features="from_dtype", max_epochs=2, random_state=0)
    m.fit(df)
    out["codes table"] = m.transform(df)
    out["sample table"] = m.sample(5, random_state=0)["a"].to_numpy()
    D = load_digits().data[:600]
    f = GaussianFlow(n_components=5, max_epochs=2, random_state=0).fit(D)
    out["codes flow PCA"], out["sample flow PCA"] = f.transform(D), f.sample(3, random_state=0)
    f = GaussianFlow(max_epochs=2, random_state=0, flow="realnvp").fit(X)
    out["codes flow"], out["log-density flow"] = f.transform(X), f.score_samples(X)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args(argv)
    if not args.compare:
        np.savez(args.files[0], **fingerprint())
        return 0
    a, b = (np.load(f) for f in args.files)
    same = {k: k in b and np.array_equal(a[k], b[k]) for k in a}
    for key, ok in same.items():
        print(f"{'same' if ok else 'DIFFERENT'}  {key}")
    print(f"{sum(same.values())} of {len(same)} outputs bit-identical")
    return 0 if all(same.values()) and set(a) == set(b) else 1


if __name__ == "__main__":
    sys.exit(main())
