"""Quickstart: Gaussian codes for the digits, new digits from N(0, I).
===================================================================

Fits a GaussianAutoencoder in a Pipeline, checks how Gaussian the held-out codes
are with skgauss.stats, and decodes fresh draws from N(0, I).

    python examples/quickstart.py
"""

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgauss import GaussianAutoencoder
from skgauss.stats import gaussianity_report

X = load_digits().data
X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)

model = make_pipeline(StandardScaler(), GaussianAutoencoder(n_components=8, random_state=0))
model.fit(X_train)
Z = model.transform(X_test)  # held-out codes, shape (540, 8)
print(gaussianity_report(Z))

scaler, ae = model[0], model[-1]
new_digits = scaler.inverse_transform(ae.sample(16, random_state=0))
print("16 new digits:", new_digits.shape)
print("Gaussianity score of held-out codes (0 is perfect):", ae.score(scaler.transform(X_test)))
