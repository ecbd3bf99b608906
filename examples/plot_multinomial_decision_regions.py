"""
=====================================
Multinomial decision regions
=====================================

With more than two classes, the model has one weight vector per class and
the softmax turns the K decision values into probabilities; gradient descent
fits all K at once. On two features of the iris data, the decision regions
are separated by straight lines, and the colour's strength shows the
predicted probability of the winning class.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_iris
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_gd import GDLogisticClassifier

iris = load_iris()
X, y = iris.data[:, [0, 2]], iris.target  # sepal length, petal length
model = make_pipeline(StandardScaler(), GDLogisticClassifier(C=10.0, max_iter=5000))
model.fit(X, y)
gd = model[-1]
print(f"coef_ has shape {gd.coef_.shape}: one row per class")
print(f"training accuracy {model.score(X, y):.3f} after {gd.n_iter_} iterations")

# %%
fig, ax = plt.subplots()
DecisionBoundaryDisplay.from_estimator(
    model,
    X,
    response_method="predict_proba",
    multiclass_colors="viridis",
    alpha=0.6,
    ax=ax,
    xlabel=iris.feature_names[0],
    ylabel=iris.feature_names[2],
)
scatter = ax.scatter(X[:, 0], X[:, 1], c=y, cmap="viridis", edgecolor="k")
ax.legend(scatter.legend_elements()[0], iris.target_names, title="class")
ax.set_title("Softmax regression by gradient descent")
