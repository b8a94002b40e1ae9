"""Time and peak memory of the Gaussianity score and of every test, d = 32.

Run: ``python benchmarks/scorer_cost.py [--sizes 1000 10000 100000 1000000]``.
Prints a Markdown table: seconds (best of ``--repeat``) and the peak of
numpy allocations seen by ``tracemalloc`` beyond the input itself. The O(n^2)
tests run on their default ``max_samples`` subsample (column ``rows used``).
``mmd_test``/``energy_test`` are timed twice: cold (the Monte-Carlo null,
100 simulations, is computed) and warm (the null comes from the cache).
pingouin's Henze--Zirkler (O(n^2) memory) runs beside ours up to 10^4 rows.
"""

from __future__ import annotations

import argparse
import functools
import time
import tracemalloc
import warnings

import numpy as np
from _report import write

from skgauss import stats
from skgauss.metrics import gaussianity_score


def measure(fn, Z, repeat: int) -> tuple[float, float, object]:
    """Best wall time over ``repeat`` runs and the peak traced MiB of the first."""
    tracemalloc.start()
    out = fn(Z)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    best = min(_timed(fn, Z) for _ in range(repeat))
    return best, peak, out


def _timed(fn, Z) -> float:
    t = time.perf_counter()
    fn(Z)
    return time.perf_counter() - t


def cold(test):
    def run(Z):
        stats._null_distribution.cache_clear()
        return test(Z)

    return run


def pingouin_hz():
    try:
        import pingouin
    except ImportError:
        return None
    return lambda Z: pingouin.multivariate_normality(Z)


CASES = {
    "gaussianity_score": gaussianity_score,
    "gaussianity_score (all rows)": functools.partial(gaussianity_score, max_samples=None),
    "radii_test ks": stats.radii_test,
    "radii_test cvm": functools.partial(stats.radii_test, method="cvm"),
    "coordinate_test cvm": stats.coordinate_test,
    "sliced_test cvm (L=64)": stats.sliced_test,
    "moment_test": stats.moment_test,
    "mardia_kurtosis": stats.mardia_kurtosis,
    "doornik_hansen": stats.doornik_hansen,
    "mardia_skewness": stats.mardia_skewness,
    "henze_zirkler": stats.henze_zirkler,
    "mmd_test (cold)": cold(stats.mmd_test),
    "mmd_test (warm)": stats.mmd_test,
    "energy_test (cold)": cold(stats.energy_test),
    "energy_test (warm)": stats.energy_test,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10**3, 10**4, 10**5, 10**6])
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip", nargs="*", default=[], help="case names to skip")
    args = parser.parse_args()
    warnings.simplefilter("ignore", stats.SubsamplingWarning)
    cases = dict(CASES)
    if (hz := pingouin_hz()) is not None:
        cases["pingouin henze_zirkler"] = hz
    setting = f"d = {args.dim}; seconds (best of {args.repeat}) / peak traced MiB / rows used"
    lines = ["| test | " + " | ".join(f"n = {n:.0e}" for n in args.sizes) + " |",
             "|---|" + "---|" * len(args.sizes)]
    print(setting, *lines, sep="\n")
    data = {n: np.random.default_rng(0).standard_normal((n, args.dim)) for n in args.sizes}
    for name, fn in cases.items():
        if name in args.skip:
            continue
        cells = []
        for n in args.sizes:
            if name.startswith("pingouin") and n > 10**4:
                cells.append("O(n^2) memory")
                continue
            if name == "gaussianity_score (all rows)" and n > 10**6:
                cells.append("-")
                continue
            seconds, peak, out = measure(fn, data[n], args.repeat)
            used = getattr(out, "n_samples_used", None)
            cell = f"{seconds:.3g} s / {peak:.3g} MiB"
            cells.append(cell + (f" / {used}" if used is not None and used < n else ""))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    write("scorer_cost", lines, notes=setting + ".")


if __name__ == "__main__":
    main()
