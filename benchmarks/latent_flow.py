"""Which latent flow: configurations of the second stage, measured (issue #14).

For each table of ``quality.py`` (70/30 split, standardised) the single-stage
autoencoder is trained once (the defaults of issue #7, no flow), then each flow
configuration is fitted on its training codes. Reported: the flow's fit time ÷
the autoencoder's, how many of the five tests the flow's training codes pass and
how many of the four target tests (Mardia skewness and kurtosis, radii, sliced)
its held-out codes pass, at p > 0.01, with the held-out p-values.

    python benchmarks/latent_flow.py --datasets digits,wine,breast_cancer,diabetes,anes96
"""

from __future__ import annotations

import argparse
import time

import torch
from _report import write
from quality import BATTERY, SINGLE_STAGE, TARGET_TESTS, battery, load

from skgauss import GaussianAutoencoder, GaussianFlow

CONFIGS = {
    "nsf, GaussianFlow defaults (100 epochs)": {},
    "nsf, early stopping": {"early_stopping": True},
    "nsf (32, 32) x 2, 50 epochs": {"hidden_layer_sizes": (32, 32), "n_transforms": 2,
                                    "max_epochs": 50},
    "nsf (32, 32) x 3, 30 epochs": {"hidden_layer_sizes": (32, 32), "max_epochs": 30},
    "maf, defaults": {"flow": "maf"},
    "realnvp, defaults": {"flow": "realnvp"},
    "maf (32, 32) x 3, 50 epochs": {"flow": "maf", "hidden_layer_sizes": (32, 32),
                                    "max_epochs": 50},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="digits,wine,breast_cancer,diabetes,anes96")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    lines = ["| data | flow | fit ÷ autoencoder's | training codes pass (5) | held-out pass "
             "(4) | " + " | ".join(f"held-out p {k}" for k in BATTERY) + " |",
             "|---" * (5 + len(BATTERY)) + "|"]
    print(*lines, sep="\n")
    for data in args.datasets.split(","):
        X_train, X_test, d = load(data, args.seed)
        start = time.perf_counter()
        ae = GaussianAutoencoder(d, random_state=args.seed, **SINGLE_STAGE).fit(X_train)
        seconds = time.perf_counter() - start
        Z_train, Z_test = ae.transform(X_train), ae.transform(X_test)
        for name, options in CONFIGS.items():
            start = time.perf_counter()
            flow = GaussianFlow(random_state=args.seed, **{"flow": "nsf", **options})
            flow.fit(Z_train)
            ratio = (time.perf_counter() - start) / seconds
            p_train, p_test = battery(flow.transform(Z_train)), battery(flow.transform(Z_test))
            lines.append(
                f"| {data} | {name} | {ratio:.2f} | {sum(v > 0.01 for v in p_train.values())} | "
                f"{sum(p_test[k] > 0.01 for k in TARGET_TESTS)} | "
                + " | ".join(f"{p_test[k]:.2g}" for k in BATTERY) + " |")
            print(lines[-1], flush=True)
    write("latent-flow", lines, notes=(
        f"70/30 split, random_state={args.seed}; fit times on a shared CPU (compare within "
        "a table)."))


if __name__ == "__main__":
    main()
