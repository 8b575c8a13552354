"""Running a build's work on every core: forked worker processes.

Workers are forked, so they inherit the catalog and views without pickling
them; only items and results travel. A build runs with Python's automatic
cycle collection off (:func:`without_cycle_collection`, in the ``build``
command), and each worker turns it back on for
the short-lived objects it makes (``worker_start``).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Optional

from .output import forget_inherited_locks


def available_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's automatic cycle collection off for one build (the ``build`` command's, and each of
    ``serve``'s, which collects once after it). A national build holds millions of objects that
    live as long as the build (records, views); every automatic full collection walks them all
    and finds next to nothing: 14 of them cost 7.5 s of a 75 s build, 15 of them 5-8 s of a 30 s
    one. Forked workers turn collection back on for their own short-lived objects
    (:func:`worker_start`)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def frozen_before_fork() -> None:
    """Just before forking: move every object so far out of the collector's sight (``gc.freeze``),
    so that a worker's collections walk only what the worker makes. Otherwise its first full
    collection would touch, and so copy, every page of the parent's heap it inherited: at
    national scale that alone costs more than the work sent to it. ``gc.unfreeze()`` once the
    workers are done."""
    gc.freeze()


def worker_start() -> None:
    """First thing in a forked worker: collect its own cyclic garbage again, and let go of the
    parent's locks on its staging folders (they are the parent's to hold)."""
    gc.enable()
    forget_inherited_locks()


class WorkerDied(Exception):
    """A forked worker ended without finishing its work (killed, or out of memory): the work it
    had is lost, and what the caller was making is incomplete."""

    def __init__(self) -> None:
        super().__init__("a worker process died before finishing its work (killed, or out of memory?)")


_JOB: Optional[Callable] = None   # the function of the running fork_map, inherited by its workers


def _call_chunk(chunk: Sequence[Any]) -> list[Any]:
    return [_JOB(arg) for arg in chunk]  # type: ignore[misc]


def forks(workers: int, items: int, min_items: int = 4) -> bool:
    """Whether :func:`fork_map` would fork for ``items`` items: several workers, enough items, and fork."""
    return workers > 1 and items >= min_items and can_fork()


def fork_map(fn: Callable[[Any], Any], items: Sequence[Any], workers: int, *, min_items: int = 4,
             chunksize: Optional[int] = None, while_waiting: Optional[Callable[[], None]] = None,
             meanwhile: Optional[Callable[[], None]] = None) -> Iterator[Any]:
    """``fn(x) for x in items``, in order, on ``workers`` forked processes; ``fn`` must not raise.

    The one way ocop-site forks workers. Children inherit ``fn`` (a closure is fine: nothing but
    the items and the results is pickled), the parent's heap is frozen out of the collector's
    sight first (:func:`frozen_before_fork`), and each child collects its own garbage again
    (:func:`worker_start`). Results arrive as they are ready, so the caller can use them while the
    workers go on; ``while_waiting`` is called about four times a second while none is ready (a
    progress display). ``meanwhile`` is work of this process that needs none of the results: it
    runs once the workers have their items (the parent would otherwise only wait). Few items,
    one worker or no fork: all in this process. A worker that dies raises :class:`WorkerDied`
    here (the others are stopped).
    """
    global _JOB
    if not forks(workers, len(items), min_items):
        if meanwhile:
            meanwhile()
        yield from map(fn, items)
        return
    if _JOB is not None:
        raise RuntimeError("fork_map does not nest")
    _JOB = fn
    frozen_before_fork()
    try:
        size = chunksize or max(1, len(items) // (workers * 16))
        pool = ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=multiprocessing.get_context("fork"),
                                   initializer=worker_start)
        try:
            pending = [pool.submit(_call_chunk, items[i:i + size]) for i in range(0, len(items), size)]
            if meanwhile:
                meanwhile()
            for n, future in enumerate(pending):
                while True:
                    try:
                        results = future.result(timeout=0.25 if while_waiting else None)
                        break
                    except TimeoutError:
                        while_waiting()  # type: ignore[misc]
                    except BrokenProcessPool:
                        raise WorkerDied() from None
                pending[n] = None  # type: ignore[call-overload]   # its results are the caller's now
                yield from results
        except BaseException:
            stop_workers(pool)
            raise
        finally:
            pool.shutdown(wait=True)
    finally:
        _JOB = None
        gc.unfreeze()


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """End a pool's workers at once: their work is no longer wanted (this process is stopping on
    Ctrl-C or SIGTERM, the caller stopped reading, or a worker died). Leaving the pool as usual
    would wait for every item still queued: when ``serve`` was stopped during a national build's
    pages, that was every page left, a minute or more, with the workers writing into a folder
    about to be removed. (The processes are the pool's own, which it does not make public.)"""
    processes = list((getattr(pool, "_processes", None) or {}).values())   # (shutdown forgets them)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join()


def shared_counter() -> Any:
    """A number forked workers add to and this process reads (pages done, for a progress display)."""
    return multiprocessing.get_context("fork").Value("q", 0)


def shared_bytes(size: int) -> tuple[Any, Any]:
    """(``size`` zero bytes, a lock) in memory that forked workers and this process share: what one
    writes under the lock, the others read under it."""
    context = multiprocessing.get_context("fork")
    return context.RawArray("B", size), context.Lock()


def parallel_map(fn: Callable[[Any], Any], items: Sequence[Any], workers: int, min_items: int = 4) -> list[Any]:
    """``[fn(x) for x in items]`` on ``workers`` forked processes (:func:`fork_map`, all at once)."""
    return list(fork_map(fn, items, workers, min_items=min_items))


class Background:
    """``fn()`` in a forked process while this one goes on; ``wait()`` says whether it succeeded.

    For work made of system calls that nothing later in the parent reads back (the hard links of
    a national build's media files): it then runs on a core that would otherwise wait while the
    parent builds views alone. Without fork the work is done in ``wait()``. The child reports
    failure only by its exit status (no traceback), and ``wait()`` leaves the retry to the caller.
    """

    def __init__(self, fn: Callable[[], None], run_here: bool = False):
        self._fn = fn
        self._process = None
        if not run_here and can_fork():
            self._process = multiprocessing.get_context("fork").Process(target=_background_main, args=(fn,), daemon=True)
            self._process.start()

    def wait(self) -> bool:
        """Wait for the work; True when it completed (in the child, or here when no child ran)."""
        if self._process is None:
            fn, self._fn = self._fn, None
            if fn is not None:
                fn()
            return True
        self._process.join()
        return self._process.exitcode == 0

    def stop(self) -> None:
        """Stop the child if it still runs (the build failed and its output is thrown away)."""
        if self._process is not None and self._process.exitcode is None:
            self._process.terminate()
            self._process.join()


def _background_main(fn: Callable[[], None]) -> None:
    forget_inherited_locks()
    try:
        fn()
    except BaseException:   # the parent does the work again and reports what goes wrong then
        os._exit(1)
