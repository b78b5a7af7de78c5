"""The thread helper keeps the order of its inputs and raises a task's exception in the caller."""

import threading

import pytest

from core import parallel


def test_results_keep_the_order_of_the_inputs():
    assert parallel.each(lambda x: x * x, range(10)) == [x * x for x in range(10)]
    assert parallel.each(str, []) == [] and parallel.each(str, [1]) == ["1"]


def test_work_runs_on_more_than_one_thread():
    seen = set()
    barrier = threading.Barrier(2, timeout=10)

    def task(_):
        seen.add(threading.get_ident())
        barrier.wait()  # only passes if two tasks run at the same time

    parallel.each(task, range(2))
    assert len(seen) == 2


@pytest.mark.parametrize("bad", [0, 3])
def test_an_exception_reaches_the_caller(bad):
    def task(x):
        if x == bad:
            raise ValueError(f"item {x}")
        return x

    with pytest.raises(ValueError, match=f"item {bad}"):
        parallel.each(task, range(5))


def test_start_returns_a_future():
    assert parallel.start(lambda: 42).result() == 42


def test_work_does_not_wait_behind_a_busy_pool():
    release = threading.Event()
    blockers = [parallel.start(lambda: release.wait(10)) for _ in range(parallel.WORKERS)]
    try:
        done = threading.Event()
        result = []
        caller = threading.Thread(target=lambda: (result.extend(parallel.each(lambda x: x + 1, range(5))), done.set()))
        caller.start()
        assert done.wait(5), "each() waited for the busy pool instead of running the items itself"
        assert result == [1, 2, 3, 4, 5]
    finally:
        release.set()
        for blocker in blockers:
            blocker.result()


def test_a_task_the_pool_has_not_started_runs_in_the_caller_and_keeps_its_exception():
    release = threading.Event()
    blockers = [parallel.start(lambda: release.wait(10)) for _ in range(parallel.WORKERS)]
    try:
        ran_on = []

        def fail():
            ran_on.append(threading.get_ident())
            raise KeyError("boom")

        task = parallel.start(fail)
        for _ in range(2):  # the same exception for every caller, and the work done once
            with pytest.raises(KeyError, match="boom"):
                task.result()
        assert ran_on == [threading.get_ident()]
    finally:
        release.set()
        for blocker in blockers:
            blocker.result()
