"""The verdict of ``skgauss compare``: the models ranked by a documented rule, which
pass the two questions, and one plain-language paragraph.

The ranking rule is the trade-off refit of the alpha search
(:func:`skgauss.metrics.make_tradeoff_refit`) with PCA as the reconstruction bar: the
models whose held-out reconstruction MSE is within ``TOLERANCE`` (10 %) of PCA's with
the same number of components come first, by decreasing Gaussianity score (-MMD² of
the held-out codes to N(0, I)); then the others, by decreasing Gaussianity score. (The
bar is PCA's, not the best model's: against the best, an unregularized autoencoder,
which reconstructs best and is far from Gaussian, would always rank first.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["TOLERANCE", "Verdict", "rank", "verdict"]

TOLERANCE = 0.1
RULE = (f"ranked by Gaussianity score (-MMD² of the held-out codes to N(0, I)), first "
        f"the models whose reconstruction MSE is within {TOLERANCE:.0%} of PCA's, then "
        f"the others")


def rank(rows: list[dict], tolerance: float = TOLERANCE) -> list[int]:
    """Indices of ``rows`` best first, by the rule of this module's docstring: key
    (MSE ÷ PCA's > 1 + tolerance, -Gaussianity score); rows with a non-finite score
    or MSE come last, in their order; ties keep the rows' order."""
    ok = [i for i, r in enumerate(rows)
          if math.isfinite(r["gaussianity"]) and math.isfinite(r["recon_ratio_pca"])]
    failed = [i for i in range(len(rows)) if i not in ok]
    ok.sort(key=lambda i: (rows[i]["recon_ratio_pca"] > 1 + tolerance, -rows[i]["gaussianity"]))
    return ok + failed


@dataclass(frozen=True)
class Verdict:
    """What ``skgauss compare`` concludes (printed first, and the top of report.html).

    Attributes
    ----------
    ranking : list of str
        Model names, best first (:data:`RULE`).
    order : list of int
        The same ranking as indices into the rows.
    gaussian, standard : list of str
        Models whose held-out codes pass "a Gaussian?" / "N(0, I)?" at 0.05 (Holm
        over each family's tests), in ranking order.
    n_test : int
        Held-out rows the tests saw.
    answer : str
        One paragraph: which latent is most Gaussian, at what reconstruction cost,
        and how good its samples are.
    """

    ranking: list
    order: list
    gaussian: list
    standard: list
    n_test: int
    answer: str
    rule: str = RULE

    def lines(self) -> list[str]:
        def names(xs):
            return ", ".join(xs) if xs else "no model"

        return [
            "VERDICT",
            f"ranking: {' > '.join(self.ranking)}",
            f"  ({self.rule})",
            f"pass 'a Gaussian?' at 0.05 on {self.n_test} held-out rows: {names(self.gaussian)}",
            f"pass 'N(0, I)?' at 0.05 on {self.n_test} held-out rows: {names(self.standard)}",
            self.answer,
        ]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _fmt_p(p: float) -> str:
    if math.isnan(p):
        return "p unavailable"
    return "p < 1e-300" if p == 0 else f"p = {p:.2g}"


def verdict(rows: list[dict]) -> Verdict:
    """The :class:`Verdict` of results rows (each with ``model``, ``gaussianity``,
    ``recon_mse``, ``recon_ratio_pca``, ``p_affine``, ``p_standard``,
    ``pass_affine``, ``pass_standard``, ``sample_energy``, ``n_test``)."""
    if not rows:
        raise ValueError("no results to conclude from")
    order = rank(rows)
    ranked = [rows[i] for i in order]
    n_test = int(rows[0]["n_test"])
    first = ranked[0]
    gauss = max(rows, key=lambda r: (r["gaussianity"] if math.isfinite(r["gaussianity"])
                                     else -math.inf))
    energies = [r for r in rows if math.isfinite(r["sample_energy"])]
    best_samples = min(energies, key=lambda r: r["sample_energy"]) if energies else None

    def passes(r):
        a = "passes" if r["pass_affine"] else "fails"
        s = "passes" if r["pass_standard"] else "fails"
        return (f"{s} 'N(0, I)?' ({_fmt_p(r['p_standard'])}) and {a} 'a Gaussian?' "
                f"({_fmt_p(r['p_affine'])})")

    text = (f"The most Gaussian latent is {gauss['model']} (Gaussianity score "
            f"{gauss['gaussianity']:.2g}; 0 means N(0, I)): on {n_test} held-out rows it "
            f"{passes(gauss)}, at a reconstruction MSE {gauss['recon_ratio_pca']:.2f}× "
            f"PCA's. Its decoded N(0, I) draws are at energy distance "
            f"{gauss['sample_energy']:.3f} from held-out rows (0: indistinguishable)")
    if best_samples is not None and best_samples is not gauss:
        text += (f"; the closest samples come from {best_samples['model']} "
                 f"({best_samples['sample_energy']:.3f})")
    text += "."
    if first is not gauss:
        text += (f" It reconstructs worse than PCA by more than {TOLERANCE:.0%}, so "
                 f"{first['model']} ranks first: the most Gaussian of the models that "
                 f"reconstruct about as well as PCA or better "
                 f"({first['recon_ratio_pca']:.2f}× PCA's MSE); it {passes(first)}.")
    else:
        text += (f" It also ranks first: it reconstructs within {TOLERANCE:.0%} of PCA's "
                 "MSE or better.")
    return Verdict(
        ranking=[r["model"] for r in ranked],
        order=order,
        gaussian=[r["model"] for r in ranked if r["pass_affine"]],
        standard=[r["model"] for r in ranked if r["pass_standard"]],
        n_test=n_test,
        answer=text,
    )
