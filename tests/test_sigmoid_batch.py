"""Batched sigmoid fits against the per-task reference fitter (`sigmoid.fit_sigmoid`, `sigmoid.fit_pooled`)."""

from __future__ import annotations

import numpy as np
import pytest

from scaling_report import rng, sigmoid, sigmoid_batch

SIZES = np.geomspace(1e7, 1e11, 9)


def noisy_tasks(n_tasks=40, seed_offset=31, n_items=300):
    g = rng(seed_offset)
    chance = g.choice([0.0, 0.25, 0.5], n_tasks)
    k = g.uniform(0.2, 3.0, n_tasks)
    x0 = g.uniform(np.log(1e7), np.log(1e12), n_tasks)
    p = sigmoid.sigmoid_curve(np.log(SIZES)[None, :], k[:, None], x0[:, None], chance[:, None])
    return chance, g.binomial(n_items, p) / n_items


def expit_progress(fits, j):
    return float(sigmoid.progress(fits.log_sizes[j - 1], fits.k[0, j], fits.x0[0, j]))


class TestFitPrefixes:
    def test_never_worse_than_the_reference_fitter(self):
        chance, scores = noisy_tasks()
        fits = sigmoid_batch.fit_prefixes(SIZES, scores, chance)
        for i in range(len(chance)):
            for j in range(3, len(SIZES) + 1):
                oracle = sigmoid.fit_sigmoid(SIZES[:j], scores[i, :j], chance[i])
                assert fits.sse[i, j] <= oracle.sse + 1e-4, (i, j)

    def test_matches_the_reference_where_the_rise_is_identified(self):
        chance, scores = noisy_tasks()
        fits = sigmoid_batch.fit_prefixes(SIZES, scores, chance, prefixes=[len(SIZES)])
        j = len(SIZES)
        compared = 0
        for i in range(len(chance)):
            oracle = sigmoid.fit_sigmoid(SIZES, scores[i], chance[i])
            inside = np.log(SIZES[0]) < oracle.x0 < np.log(SIZES[-1])
            if inside and not oracle.at_bound and not fits.at_bound[i, j]:
                compared += 1
                assert fits.k[i, j] == pytest.approx(oracle.k, rel=0.02, abs=0.02)
                assert fits.x0[i, j] == pytest.approx(oracle.x0, abs=0.05)
        assert compared >= 5

    def test_recovers_a_noise_free_curve(self):
        truth = sigmoid.sigmoid_curve(np.log(SIZES), 1.3, np.log(1e9), 0.25)
        fits = sigmoid_batch.fit_prefixes(SIZES, truth[None, :], [0.25], prefixes=[9])
        assert fits.k[0, 9] == pytest.approx(1.3, rel=1e-4)
        assert fits.x0[0, 9] == pytest.approx(np.log(1e9), abs=1e-4)
        assert fits.converged[0, 9] and not fits.degenerate[0, 9]

    def test_a_floor_task_whose_last_score_ticks_up_is_degenerate(self):
        # At 0, 0, 0.0085 the curve is fitted exactly by a steep step just past the last size.
        scores = np.array([[0.0, 0.0, 0.0085, 0.0, 0.004]])
        fits = sigmoid_batch.fit_prefixes(SIZES[:5], scores, [0.0], prefixes=[3])
        reference = sigmoid.fit_sigmoid(SIZES[:3], scores[0, :3], 0.0)
        assert sigmoid.predict(reference, SIZES[3:4])[0] > 0.5  # the bug: the next size forecast near the ceiling
        assert fits.degenerate[0, 3]

    def test_a_curve_seen_into_its_rise_is_not_degenerate(self):
        truth = sigmoid.sigmoid_curve(np.log(SIZES), 1.0, np.log(SIZES[5]), 0.0)  # a quarter of the way up at size 5
        fits = sigmoid_batch.fit_prefixes(SIZES, truth[None, :], [0.0], prefixes=[5, 6])
        assert expit_progress(fits, 5) > sigmoid.STATE_LOW
        assert not fits.degenerate[0, 5] and not fits.degenerate[0, 6]

    def test_tasks_missing_a_size_are_fitted_only_to_complete_prefixes(self):
        chance, scores = noisy_tasks(3)
        scores[1, 4] = np.nan
        fits = sigmoid_batch.fit_prefixes(SIZES, scores, chance)
        assert fits.fitted[1, 4] and not fits.fitted[1, 5:].any()
        assert fits.fitted[0, 3:].all()

    @pytest.mark.parametrize(
        ("sizes", "scores", "chance", "message"),
        [
            (SIZES[:4], np.zeros((2, 5)), [0, 0], "columns"),
            (SIZES[::-1][:5], np.zeros((2, 5)), [0, 0], "increasing"),
            (SIZES[:5], np.zeros((1, 5)), [1.0], "exceed"),
        ],
    )
    def test_bad_input_is_rejected(self, sizes, scores, chance, message):
        with pytest.raises(ValueError, match=message):
            sigmoid_batch.fit_prefixes(sizes, scores, chance)


class TestFitPooledPrefixes:
    def test_objective_no_worse_than_the_reference_pooled_fit(self):
        chance, scores = noisy_tasks(25, seed_offset=32)
        separate = sigmoid_batch.fit_prefixes(SIZES, scores, chance)
        pooled = sigmoid_batch.fit_pooled_prefixes(SIZES, scores, chance, separate)
        names = [f"t{i:02d}" for i in range(len(chance))]
        for j in (4, 7, 9):
            ref = sigmoid.fit_pooled({n: SIZES[:j] for n in names}, {n: scores[i, :j] for i, n in enumerate(names)},
                                     {n: chance[i] for i, n in enumerate(names)})
            # Both minimise the same penalised objective (with the reference's variance scale).
            ref_sep = [sigmoid.fit_sigmoid(SIZES[:j], scores[i, :j], chance[i]) for i in range(len(chance))]
            s2 = max(sum(f.sse for f in ref_sep) / (len(chance) * j - 2 * len(chance)), 1e-4)

            def objective(k, x0):
                fit = sigmoid.sigmoid_curve(np.log(SIZES[:j])[None, :], k, x0[:, None], chance[:, None])
                return ((fit - scores[:, :j]) ** 2).sum() / s2 + sigmoid_batch.SHRINKAGE * ((x0 - x0.mean()) ** 2).sum()

            ours = objective(pooled.k[0, j], pooled.x0[:, j])
            theirs = objective(ref[names[0]].k, np.array([ref[n].x0 for n in names]))
            assert ours <= theirs * (1 + 1e-3) + 1e-6, j
            assert np.allclose(pooled.k[:, j], pooled.k[0, j])  # one shared slope

    def test_negative_shrinkage_is_rejected(self):
        chance, scores = noisy_tasks(3)
        separate = sigmoid_batch.fit_prefixes(SIZES, scores, chance)
        with pytest.raises(ValueError, match="shrinkage"):
            sigmoid_batch.fit_pooled_prefixes(SIZES, scores, chance, separate, shrinkage=-1)


class TestRealLadder:
    def test_bigg_prefix_fits_no_worse_than_the_reference(self):
        from scaling_report import backtest, data, ladders

        ladder = ladders.find_ladders(data.load_bigg())[0]
        s = backtest.series_from_ladder(ladder)
        rows = np.arange(0, len(s.tasks), 3)  # every third task keeps the reference loop short
        scores, chance = s.scores[rows], s.chance[rows]
        fits = sigmoid_batch.fit_prefixes(s.sizes, scores, chance)
        for i in range(len(rows)):
            for j in (3, 6, len(s.sizes)):
                oracle = sigmoid.fit_sigmoid(s.sizes[:j], scores[i, :j], chance[i])
                # Equal to within 1%: both optimisers stop on flat ridges (a slow rise far beyond the sizes).
                assert fits.sse[i, j] <= 1.01 * oracle.sse + 1e-4, (s.tasks[rows[i]], j)
