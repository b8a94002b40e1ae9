"""The Pearson III null of mmd_test / energy_test (null="pearson", 200 simulations)
against a 5000-simulation Monte-Carlo null, and its level on N(0, I) samples.

    python benchmarks/pearson_null.py

Prints, for each test, the rejection rates at 0.05 and 0.01 over 200 seeded N(0, I_4)
samples of 200 rows, then both p-values for samples scaled by 1.05, 1.1, 1.15.
"""

import time

import numpy as np

import skgauss.stats as S


def main() -> None:
    rng = np.random.default_rng(1)
    for kind, f in [("mmd", S.mmd_test), ("energy", S.energy_test)]:
        t = time.time()
        p = np.array([f(rng.standard_normal((200, 4)), null="pearson", n_simulations=200).pvalue
                      for _ in range(200)])
        print(kind, "null: reject@.05", np.mean(p <= 0.05), "reject@.01", np.mean(p <= 0.01),
              f"{time.time() - t:.1f}s")
        for s in (1.05, 1.1, 1.15):
            Z = rng.standard_normal((200, 4)) * s
            a = f(Z, null="pearson", n_simulations=200).pvalue
            b = f(Z, n_simulations=5000).pvalue
            print(f"  scale {s}: pearson(200 sims) {a:.4g}  monte-carlo(5000 sims) {b:.4g}")


if __name__ == "__main__":
    main()
