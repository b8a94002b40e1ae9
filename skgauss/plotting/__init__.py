r"""Displays: how Gaussian the codes are, how training went, what samples look like.

Each class follows scikit-learn's Display API (``sklearn.metrics.RocCurveDisplay``):
a ``from_estimator`` (or ``from_codes``) classmethod computes the data, stores it
as attributes and calls :meth:`plot`, which draws it, stores ``figure_`` and
``ax_``/``axes_`` and returns the display. matplotlib is an optional extra
(``pip install 'skgauss[plot]'``), imported only when a display is built.
"""

from __future__ import annotations

from ._gaussianity import GaussianityDisplay
from ._samples import SampleDisplay
from ._training import TrainingCurveDisplay

__all__ = ["GaussianityDisplay", "SampleDisplay", "TrainingCurveDisplay"]
