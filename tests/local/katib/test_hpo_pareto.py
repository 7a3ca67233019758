"""Pareto fronts: dominance in mixed directions."""

from ideko.local.katib.pareto import dominates, pareto_front

DIRS = ("maximize", "minimize")  # accuracy up, training time down


def test_dominance():
    assert dominates((0.9, 10), (0.8, 12), DIRS)
    assert not dominates((0.9, 10), (0.9, 10), DIRS)
    assert not dominates((0.9, 20), (0.8, 10), DIRS)


def test_front():
    points = [(0.9, 20.0), (0.8, 10.0), (0.7, 15.0), (0.95, 30.0), (0.8, 10.0)]
    # (0.7, 15) is dominated by (0.8, 10); equal points do not dominate each other
    assert pareto_front(points, DIRS) == [0, 1, 3, 4]
