"""medianstop: rule creation (suggestion service) and evaluation (metrics collector)."""

from ideko.local.katib.earlystop import RuleWatcher, StopRule, median_rule


def rule(values, objective_type="maximize", min_trials=3, start_step=2):
    return median_rule(
        values,
        metric="accuracy",
        objective_type=objective_type,
        min_trials_required=min_trials,
        start_step=start_step,
    )


def test_no_rule_before_min_trials_required():
    assert rule([[0.5, 0.6], [0.7, 0.8]], min_trials=3) is None
    assert rule([[0.5, 0.6], [], [0.7, 0.8]], min_trials=3) is None  # empty logs do not count


def test_threshold_is_katibs_mean_of_averages_of_first_start_step_values():
    # averages of the first two reports: 0.2, 0.5, 0.8 -> 0.5; later reports ignored
    made = rule([[0.1, 0.3, 0.99], [0.4, 0.6, 0.0], [0.7, 0.9]])
    assert made == StopRule("accuracy", 0.5, "less", 2)
    assert rule([[1.0], [2.0], [3.0], [4.0]], objective_type="minimize").comparison == "greater"
    # Katib's "median" is the mean of the averages: (1 + 2 + 9) / 3, where the median is 2
    assert rule([[1.0], [2.0], [9.0]]).threshold == 4.0


def test_watcher_waits_for_start_step():
    watcher = RuleWatcher(StopRule("accuracy", 0.5, "less", 3))
    assert not watcher.report(0.1)
    assert not watcher.report(0.1)
    assert watcher.report(0.1)  # third report: best 0.1 < 0.5


def test_watcher_uses_best_so_far_not_latest():
    watcher = RuleWatcher(StopRule("accuracy", 0.5, "less", 2))
    assert not watcher.report(0.6)
    assert not watcher.report(0.2)  # latest is below the threshold, best (0.6) is not
    assert watcher.best == 0.6


def test_watcher_compares_only_at_start_step_for_minimize():
    # Katib's countdown reaches zero once: reports after start_step are never compared
    watcher = RuleWatcher(StopRule("loss", 1.0, "greater", 1))
    assert not watcher.report(0.9)  # step 1: best 0.9 is not greater than 1.0
    assert not watcher.report(2.0)  # best stays 0.9
    late = RuleWatcher(StopRule("loss", 1.0, "greater", 1))
    assert late.report(3.0)  # step 1: best 3.0 > 1.0
    never = RuleWatcher(StopRule("accuracy", 0.5, "less", 2))
    assert not never.report(0.9)
    assert not never.report(0.1)  # step 2: best 0.9 is fine
    assert not never.report(0.1)  # step 3: no longer compared
    fresh = RuleWatcher(StopRule("loss", 1.0, "greater", 2))
    assert not fresh.report(3.0)
    assert fresh.report(2.5)  # best 2.5 > 1.0 at the second report


def test_equal_to_threshold_is_not_stopped():
    watcher = RuleWatcher(StopRule("accuracy", 0.5, "less", 1))
    assert not watcher.report(0.5)
