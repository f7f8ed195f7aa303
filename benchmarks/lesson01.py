"""Lesson 01 benchmark: test accuracy of the CNN, logistic regression and the Gaussian
classifiers on MNIST, and how well each tells real test digits from outliers (AUROC).

The CNN is trained here (plain `fit`, timed) and not saved: the one CNN the later lessons and
benchmarks score images with is lesson 01's `recipes.reference_classifier()`.

Logistic regression is tuned as in the lesson, by `baselines.tuned_logistic_regression`: C with
the best accuracy on the Gaussians' validation split (20 % of each class), fitted on at most
10,000 of the other training images, then refitted on all of them (`logreg_iterations` below
MAX_ITER means lbfgs converged).

Usage: python benchmarks/lesson01.py   (COURSE_FAST=1 for a smoke run on a subset)
"""

import time

import course_lib  # noqa: F401  (quiets TensorFlow before it loads)
from course_lib import baselines, config, data, metrics, report
from course_lib.models.classifiers import GaussianClassifier
from course_lib.recipes import train_cnn_classifier

GAUSSIANS = {
    "gaussian_diag": dict(covariance="diag"),
    "gaussian_full_pixels": dict(covariance="full"),
    "gaussian_pca40": dict(covariance="full", n_components=40, reg_grid=(1e-3, 0.01, 0.1, 1.0)),
}
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)
MAX_ITER = 1000


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main():
    config.seed_everything(0)
    (x, y), (x_test, y_test) = data.load_mnist(n_train=config.by_mode(None, 1500),
                                               n_test=config.by_mode(None, 1000))
    flat, flat_test = x.reshape(len(x), -1), x_test.reshape(len(x_test), -1)
    figures, seconds = {}, {}

    trained, seconds["cnn"] = timed(lambda: train_cnn_classifier(x, y, epochs=config.by_mode(12, 1),
                                                                 verbose=2))
    cnn = trained.model
    figures["cnn_test_accuracy"] = cnn.evaluate(x_test, y_test, verbose=0)[1]

    models = {}
    for name, settings in GAUSSIANS.items():
        models[name], seconds[name] = timed(lambda: GaussianClassifier(**settings).fit(x, y))
        figures[f"{name}_test_accuracy"] = models[name].score(x_test, y_test)
        figures[f"{name}_reg"] = models[name].reg_
    best = max(("gaussian_full_pixels", "gaussian_pca40"), key=lambda k: figures[f"{k}_test_accuracy"])
    figures["gaussian_full_test_accuracy"] = figures[f"{best}_test_accuracy"]

    (logreg, _, _), seconds["logreg"] = timed(lambda: baselines.tuned_logistic_regression(
        flat, y, C_GRID, n_search=config.by_mode(10_000, 1000), max_iter=MAX_ITER))
    figures["logreg_test_accuracy"] = logreg.score(flat_test, y_test)
    figures["logreg_C"] = logreg.C
    figures["logreg_iterations"] = int(logreg.n_iter_.max())

    gaussian = models[best]
    loglik_in = gaussian.log_likelihood(x_test)
    softmax_in = cnn.predict(x_test, verbose=0).max(axis=1)
    for kind, outliers in data.make_outliers(x_test, seed=1).items():
        figures[f"ood_auroc_loglik_{kind}"] = metrics.auroc(loglik_in, gaussian.log_likelihood(outliers))
        figures[f"ood_auroc_softmax_{kind}"] = metrics.auroc(
            softmax_in, cnn.predict(outliers, verbose=0).max(axis=1))

    figures.update({f"{name}_train_seconds": s for name, s in seconds.items()})
    figures["train_seconds"] = sum(seconds.values())
    report.write_benchmark("lesson01", figures)


if __name__ == "__main__":
    main()
