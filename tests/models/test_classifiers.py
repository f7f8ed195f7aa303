"""GaussianClassifier and its validation split on synthetic data with known answers, and the
CNN builder."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from course_lib.models.classifiers import (MIN_PER_CLASS, GaussianClassifier, build_cnn_classifier,
                                          stratified_split)

MEANS = np.array([[0.0, 0.0, 0.0], [3.0, -1.0, 2.0]])
COVS = np.array([[[1.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 0.5]],
                 [[0.5, -0.2, 0.1], [-0.2, 1.0, 0.0], [0.1, 0.0, 1.5]]])


def two_gaussians(n_per_class=(4000, 2000), seed=0):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.multivariate_normal(MEANS[c], COVS[c], size=n)
                        for c, n in enumerate(n_per_class)])
    y = np.repeat([0, 1], n_per_class)
    return x, y


@pytest.fixture(scope="module")
def data():
    return two_gaussians()


def test_full_recovers_sample_means_covariances_and_priors(data):
    x, y = data
    model = GaussianClassifier("full", reg=0.0).fit(x, y)
    for c in (0, 1):
        np.testing.assert_allclose(model.means_[c], x[y == c].mean(0), atol=1e-10)
        np.testing.assert_allclose(model.covariance_matrix(c), np.cov(x[y == c], rowvar=False),
                                   atol=1e-10)
        np.testing.assert_allclose(model.means_[c], MEANS[c], atol=0.08)
        np.testing.assert_allclose(model.covariance_matrix(c), COVS[c], atol=0.12)
    np.testing.assert_allclose(np.exp(model.log_priors_), [2 / 3, 1 / 3])


def test_regularizers_change_the_covariance_as_documented(data):
    x, y = data
    ridge = GaussianClassifier("full", reg=0.25).fit(x, y)
    np.testing.assert_allclose(ridge.covariance_matrix(1),
                               np.cov(x[y == 1], rowvar=False) + 0.25 * np.eye(3), atol=1e-10)
    floor = GaussianClassifier("diag", reg=0.9).fit(x, y)
    expected = np.maximum(x[y == 1].var(0, ddof=1), 0.9)
    np.testing.assert_allclose(np.diag(floor.covariance_matrix(1)), expected, atol=1e-10)
    assert np.count_nonzero(floor.covariance_matrix(1) - np.diag(expected)) == 0


@pytest.mark.parametrize("kwargs", [dict(covariance="full", reg=0.1),
                                    dict(covariance="diag", reg=0.05),
                                    dict(covariance="full", reg=0.1, n_components=2)])
def test_log_likelihood_equals_scipy_mixture_density(data, kwargs):
    x, y = data
    model = GaussianClassifier(**kwargs).fit(x, y)
    points = x[::97]
    per_class = np.stack([stats.multivariate_normal(model.means_[c], model.covariance_matrix(c))
                          .logpdf(points) for c in (0, 1)], axis=1)
    np.testing.assert_allclose(model.class_log_likelihood(points), per_class, rtol=1e-8)
    expected = logsumexp(per_class + np.log([2 / 3, 1 / 3]), axis=1)
    np.testing.assert_allclose(model.log_likelihood(points), expected, rtol=1e-8)


def test_pca_subspace_holds_the_class_means_and_is_a_full_rank_density(data):
    x, y = data
    model = GaussianClassifier("full", reg=0.0, n_components=1).fit(x, y)
    between = model.means_[1] - model.means_[0]
    direction = model.components_[:, 0]
    assert np.linalg.matrix_rank(model.covariance_matrix(0)) == 3
    residual = between - direction * (direction @ between)
    assert np.linalg.norm(between) > 3 and np.linalg.norm(residual) < np.linalg.norm(between)


def test_bayes_rule_predictions_match_the_analytic_posterior():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(-1, 1, 3000), rng.normal(2, 1, 1000)])[:, None]
    y = np.repeat([0, 1], [3000, 1000])
    model = GaussianClassifier("diag", reg=0.0).fit(x, y)
    grid = np.linspace(-4, 5, 50)[:, None]
    sd = [np.sqrt(model.covariance_matrix(c)[0, 0]) for c in (0, 1)]
    joint = np.stack([prior * stats.norm(model.means_[c, 0], sd[c]).pdf(grid[:, 0])
                      for c, prior in ((0, 0.75), (1, 0.25))], axis=1)
    np.testing.assert_allclose(model.predict_proba(grid), joint / joint.sum(1, keepdims=True),
                               rtol=1e-6, atol=1e-12)
    np.testing.assert_array_equal(model.predict(grid), joint.argmax(1))
    # with true parameters N(-1,1) vs N(2,1) and priors 3:1 the boundary is at 0.5 + ln(3)/3
    boundary = grid[np.argmax(model.predict(grid) == 1), 0]
    assert abs(boundary - (0.5 + np.log(3) / 3)) < 0.25


@pytest.mark.parametrize("kwargs", [dict(covariance="full", reg=0.1),
                                    dict(covariance="diag", reg=0.05),
                                    dict(covariance="full", reg=0.1, n_components=2)])
def test_samples_have_the_model_mean_and_covariance(data, kwargs):
    x, y = data
    model = GaussianClassifier(**kwargs).fit(x, y)
    samples = model.sample(40000, label=1, seed=3)
    assert samples.shape == (40000, 3)
    np.testing.assert_allclose(samples.mean(0), model.means_[1], atol=0.03)
    np.testing.assert_allclose(np.cov(samples, rowvar=False), model.covariance_matrix(1), atol=0.04)
    np.testing.assert_array_equal(samples, model.sample(40000, label=1, seed=3))


def test_image_shaped_input_keeps_its_shape():
    rng = np.random.default_rng(2)
    x = rng.random((60, 4, 4, 1))
    y = np.repeat(np.arange(3), 20)
    model = GaussianClassifier("diag", reg=0.01).fit(x, y)
    assert model.means_.shape == (3, 4, 4, 1)
    assert model.sample(5, label=2, seed=0).shape == (5, 4, 4, 1)
    assert model.predict_proba(x).shape == (60, 3)
    np.testing.assert_allclose(model.predict_proba(x).sum(1), 1.0)


def test_regularization_is_chosen_on_a_validation_split_of_the_training_data():
    rng = np.random.default_rng(3)
    # 20 features but 20 training examples per class: unregularized covariances are singular
    x = rng.normal(size=(75, 20)) + np.repeat(np.eye(3, 20) * 3.0, 25, axis=0)
    y = np.repeat(np.arange(3), 25)
    grid = (1e-6, 0.1, 1.0)
    model = GaussianClassifier("full", reg_grid=grid).fit(x, y)
    assert set(model.validation_scores_) == set(grid)
    assert model.reg_ == max(model.validation_scores_, key=model.validation_scores_.get)
    assert model.validation_scores_[1e-6] < model.validation_scores_[model.reg_]
    refit = GaussianClassifier("full", reg=model.reg_).fit(x, y)
    np.testing.assert_allclose(refit.log_likelihood(x), model.log_likelihood(x))



def test_stratified_split_holds_out_the_rounded_fraction_of_each_class():
    labels = np.repeat(np.arange(4), [10, 25, 7, 3])
    np.random.default_rng(5).shuffle(labels)
    train, val = stratified_split(labels, 4, 0.2, seed=1)
    # round(0.2 n) per class, at least 1 and leaving MIN_PER_CLASS to train on
    assert np.bincount(labels[val], minlength=4).tolist() == [2, 5, 1, 1]
    assert np.bincount(labels[train], minlength=4).min() >= MIN_PER_CLASS
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(len(labels)))
    _, val_large = stratified_split(labels, 4, 0.9, seed=1)
    assert np.bincount(labels[val_large], minlength=4).tolist() == [8, 22, 5, 1]


def test_stratified_split_draws_one_permutation_per_class_in_class_order():
    labels = np.tile(np.arange(3), 20)
    train, val = stratified_split(labels, 3, 0.25, seed=7)
    rng = np.random.default_rng(7)
    orders = [rng.permutation(np.flatnonzero(labels == c)) for c in range(3)]
    np.testing.assert_array_equal(val, np.concatenate([order[:5] for order in orders]))
    np.testing.assert_array_equal(train, np.concatenate([order[5:] for order in orders]))
    assert not np.array_equal(stratified_split(labels, 3, 0.25, seed=8)[1], val)


def test_gaussian_classifier_chooses_reg_on_the_stratified_split():
    x, y = two_gaussians((60, 40), seed=4)
    grid = (1e-3, 0.1, 3.0)
    model = GaussianClassifier("full", reg_grid=grid, validation_fraction=0.3, seed=2).fit(x, y)
    train, val = stratified_split(y, 2, 0.3, seed=2)
    for reg in grid:
        held_out = GaussianClassifier("full", reg=reg).fit(x[train], y[train]).score(x[val], y[val])
        assert model.validation_scores_[reg] == pytest.approx(held_out)


@pytest.mark.parametrize("labels, n_classes, fraction, message", [
    ([0, 0, 0, 1, 1, 1], 2, 1.0, r"fraction must lie in \(0, 1\)"),
    ([0, 0, 0, 1, 1], 2, 0.2, r"classes \[1\] have fewer than 3"),
    ([0, 0, 0, 1, 1, 1], 3, 0.2, r"classes \[2\] have fewer than 3"),
    ([0, 0, 0, 1, 1, 4], 2, 0.2, "class indices in"),
])
def test_stratified_split_rejects_bad_input(labels, n_classes, fraction, message):
    with pytest.raises(ValueError, match=message):
        stratified_split(labels, n_classes, fraction, seed=0)

@pytest.mark.parametrize("x, y, message", [
    (np.zeros(10), np.zeros(10), "expected a batch"),
    (np.full((6, 2), np.nan), [0, 0, 0, 1, 1, 1], "NaN"),
    (np.ones((6, 2)), [0, 0, 0, 0, 0, 1], r"classes \[1\] have fewer than 2"),
    (np.ones((6, 2)), [0, 0, 0, 1, 1, 5], "class indices in"),
    (np.ones((6, 2)), [0, 0, 1, 1], "one label per example"),
])
def test_bad_training_data_raises_a_clear_value_error(x, y, message):
    with pytest.raises(ValueError, match=message):
        GaussianClassifier("diag", reg=0.1, n_classes=2).fit(x, y)


def test_bad_inputs_after_fitting_raise_clear_errors(data):
    x, y = data
    model = GaussianClassifier("full", reg=0.1).fit(x, y)
    with pytest.raises(ValueError, match=r"expected \(3,\)"):
        model.predict(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        model.log_likelihood(np.array([[0.0, np.nan, 1.0]]))
    with pytest.raises(ValueError, match="class indices"):
        model.sample(3, label=2)
    with pytest.raises(ValueError, match="whole number"):
        model.sample(0, label=1)
    with pytest.raises(RuntimeError, match="not fitted"):
        GaussianClassifier().predict(x)


def test_bad_settings_raise_clear_errors():
    with pytest.raises(ValueError, match="'diag' or 'full'"):
        GaussianClassifier("spherical")
    with pytest.raises(ValueError, match="reg must be"):
        GaussianClassifier(reg=-1.0)
    with pytest.raises(ValueError, match="zero variance"):
        GaussianClassifier("diag", reg=0.0).fit(np.array([[0.0, 1.0]] * 3 + [[1.0, 1.0]] * 3),
                                                [0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="fewer than 3"):  # 2 to fit + 1 to validate on
        GaussianClassifier("diag").fit(np.random.default_rng(0).random((4, 2)), [0, 0, 1, 1])
    with pytest.raises(ValueError, match="smaller than the number of features"):
        GaussianClassifier(reg=0.1, n_components=3).fit(np.random.default_rng(0).random((6, 3)),
                                                        [0, 0, 0, 1, 1, 1])


def test_cnn_has_a_features_layer_before_the_softmax_output():
    model = build_cnn_classifier()
    assert model.output_shape == (None, 10)
    assert model.layers[-2].name == "features" and model.layers[-2].units == 128
    probs = model.predict(np.zeros((2, 28, 28, 1), np.float32), verbose=0)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
