"""core.workers: a stop (Ctrl-C, serve's SIGTERM) during forked work ends the workers at once."""

from __future__ import annotations

import multiprocessing
import os
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
        (done / str(n)).write_text(str(os.getpid()))
        time.sleep(1.0 if n == 0 else 0.05)   # the first result is awaited: the stop comes meanwhile
        return n

    waits = []

    def while_waiting() -> None:
        waits.append(1)
        raise KeyboardInterrupt   # what the signal handler raises in this process

    before = {p.pid for p in multiprocessing.active_children()}   # (any left by other tests)
    with pytest.raises(KeyboardInterrupt):
        list(fork_map(work, list(range(400)), 2, chunksize=1, while_waiting=while_waiting))
    assert waits == [1]
    assert_gone(done, before)
    started = len(list(done.iterdir()))
    time.sleep(0.5)
    assert len(list(done.iterdir())) == started < 100, "nothing more is done after the stop"


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_a_caller_that_stops_reading_ends_the_workers(tmp_path):
    done = tmp_path / "done"
    done.mkdir()

    def work(n: int) -> int:
        (done / str(n)).write_text(str(os.getpid()))
        time.sleep(0.05)
        return n

    before = {p.pid for p in multiprocessing.active_children()}
    results = fork_map(work, list(range(400)), 2, chunksize=1)
    assert next(results) == 0
    results.close()   # (GeneratorExit at the yield)
    assert_gone(done, before)
    started = len(list(done.iterdir()))
    time.sleep(0.5)
    assert len(list(done.iterdir())) == started < 100


def assert_gone(done, before: set[int]) -> None:
    """The workers that did items, and any other process the pool made, have ended and been reaped."""
    workers = {int(text) for path in done.iterdir() if (text := path.read_text())}   # (empty: killed mid-write)
    assert workers and workers.isdisjoint(before)
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    deadline = time.monotonic() + 10   # (a process the pool forked as the others were killed ends by itself)
    while {p.pid for p in multiprocessing.active_children()} - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert {p.pid for p in multiprocessing.active_children()} - before == set(), "no worker left running"
