"""core.workers: a stop (Ctrl-C, serve's SIGTERM) during forked work ends the workers at once."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from ocop_site.core.workers import can_fork, fork_map


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_a_stop_while_workers_run_ends_them_without_doing_the_rest(tmp_path):
    """Before, leaving the pool waited for every queued item: stopping serve during a national
    build's pages rendered every page left into a folder about to be removed."""
    done = tmp_path / "done"
    done.mkdir()

    def work(n: int) -> int:
        (done / str(n)).touch()
        time.sleep(1.0 if n == 0 else 0.05)   # the first result is awaited: the stop comes meanwhile
        return n

    waits = []

    def while_waiting() -> None:
        waits.append(1)
        raise KeyboardInterrupt   # what the signal handler raises in this process

    with pytest.raises(KeyboardInterrupt):
        list(fork_map(work, list(range(400)), 2, chunksize=1, while_waiting=while_waiting))
    assert waits == [1]
    assert multiprocessing.active_children() == [], "no worker left running"
    started = len(list(done.iterdir()))
    time.sleep(0.5)
    assert len(list(done.iterdir())) == started < 100, "nothing more is done after the stop"


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_a_caller_that_stops_reading_ends_the_workers(tmp_path):
    done = tmp_path / "done"
    done.mkdir()

    def work(n: int) -> int:
        (done / str(n)).touch()
        time.sleep(0.05)
        return n

    results = fork_map(work, list(range(400)), 2, chunksize=1)
    assert next(results) == 0
    results.close()   # (GeneratorExit at the yield)
    assert multiprocessing.active_children() == []
    started = len(list(done.iterdir()))
    time.sleep(0.5)
    assert len(list(done.iterdir())) == started < 100
