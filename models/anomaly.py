"""An anomaly model over village feature vectors, to catch combinations no single
indicator sees."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.ensemble import IsolationForest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import RobustScaler
from sklearn.utils.validation import check_is_fitted, validate_data


class PeerAnomalyModel(OutlierMixin, BaseEstimator):
    """Isolation forest on robustly scaled features, explained by the features furthest
    from the peers' median.

    Parameters
    ----------
    n_estimators : int
        Trees in the forest.
    random_state : int
        Seed: the same seed and data give the same scores.
    """

    def __init__(self, n_estimators: int = 200, random_state: int = 0):
        self.n_estimators = n_estimators
        self.random_state = random_state

    def fit(self, X, y=None):
        X = validate_data(self, X)
        self.pipeline_ = Pipeline(
            [
                ("scale", RobustScaler()),
                (
                    "forest",
                    IsolationForest(n_estimators=self.n_estimators, random_state=self.random_state),
                ),
            ]
        ).fit(X)
        self.median_ = np.median(X, axis=0)
        q1, q3 = np.percentile(X, [25, 75], axis=0)
        spread = q3 - q1
        # A feature nearly constant among peers: measure distance in its own units.
        self.scale_ = np.where(spread > 1e-12, spread, np.maximum(np.abs(self.median_), 1.0))
        self.offset_ = self.pipeline_.named_steps["forest"].offset_
        return self

    def score_samples(self, X) -> np.ndarray:
        """As scikit-learn's outlier detectors: lower is more abnormal."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self.pipeline_.score_samples(X)

    def decision_function(self, X) -> np.ndarray:
        """Negative for outliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        return np.where(self.decision_function(X) < 0, -1, 1)

    def deviations(self, X) -> np.ndarray:
        """Each feature's distance above the peers' median, in interquartile ranges."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return (X - self.median_) / self.scale_
