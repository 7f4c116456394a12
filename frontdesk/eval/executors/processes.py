"""Trials in supervised worker processes, for when one Python process's CPU is the limit.

Through the litellm transport each model call costs several milliseconds of harness CPU; at
hundreds of calls in flight one interpreter cannot keep up. Each worker is a child process with its
own asyncio loop running up to its share of the concurrency. The parent alone decides what runs
next (``plan.next_trial()``) and alone writes the run folder (``plan.record()``).

Why not ``concurrent.futures.ProcessPoolExecutor``: a pool runs one call per process at a time,
and a worker here must keep dozens of conversations in flight. What the pool gets right is kept:

- **One pipe per worker**, no shared queue: a worker killed mid-write cannot hold a lock that the
  others or the parent wait on. The parent waits on every pipe *and* every process sentinel, so a
  death is seen at once, not at a timeout.
- **A dead worker's trials** are recorded as infra failures naming the worker, its pid and the
  signal, and go back to the queue once; a replacement worker is started (at most ``workers``
  replacements per run). A trial that was in flight on two dead workers stays pending.
- **Workers never outlive the parent**: on Linux the kernel kills them when the parent dies
  (``PR_SET_PDEATHSIG``); everywhere, a watchdog thread exits when the parent's pid changes or the
  pipe closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from frontdesk.errors import FrontdeskError
from frontdesk.eval.executors import supervise_in_thread, worker_share
from frontdesk.eval.record import TrialKey

if TYPE_CHECKING:
    from frontdesk.eval.runner import RunPlan

_STOP = ("stop", None)


@dataclass
class _Worker:
    number: int
    process: Any
    conn: Connection
    in_flight: dict[TrialKey, float] = field(default_factory=dict)  # key -> when it was handed out


async def run_in_processes(plan: RunPlan) -> None:
    await supervise_in_thread(plan, _supervise)


def _supervise(plan: RunPlan) -> None:
    n = min(plan.config.workers, len(plan.pending))
    share, config = worker_share(plan, n)
    context = multiprocessing.get_context("spawn")  # no fork: litellm starts threads at import
    items = {(t.id, p.name, i): (t, p, i) for t, p, i in plan.pending}
    retried: set[TrialKey] = set()
    replacements = 0
    workers: list[_Worker] = []

    def start(number: int) -> _Worker:
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=_worker_main,
            args=(child_end, config, plan.goals, os.getpid()),
            name=f"frontdesk-worker-{number}",
            daemon=True,
        )
        process.start()
        child_end.close()  # only the child holds its end: the parent's death closes the pipe
        return _Worker(number, process, parent_end)

    def fill(worker: _Worker) -> None:
        while len(worker.in_flight) < share and (item := plan.next_trial()) is not None:
            task, persona, trial = item
            key = (task.id, persona.name, trial)
            worker.conn.send(("run", key))
            worker.in_flight[key] = time.time()

    def bury(worker: _Worker) -> None:
        """Record the dead worker's trials as infra, requeue them once, start a replacement."""
        nonlocal replacements
        worker.process.join(timeout=1)
        how = _how_it_ended(worker.process.exitcode)
        plan.notice(
            f"worker process {worker.number} (pid {worker.process.pid}) {how}; "
            f"its {len(worker.in_flight)} trial(s) in flight were recorded as infra errors and requeued"
        )
        for key, started in worker.in_flight.items():
            plan.record_lost(
                items[key],
                started,
                f"worker process {worker.number} (pid {worker.process.pid}) {how} during this trial",
            )
            if key not in retried:
                retried.add(key)
                plan.requeue(items[key])
        worker.in_flight.clear()
        worker.conn.close()
        workers.remove(worker)
        if replacements < n and plan.has_next():
            replacements += 1
            replacement = start(worker.number)
            workers.append(replacement)
            fill(replacement)

    try:
        workers.extend(start(k) for k in range(n))
        for worker in workers:
            fill(worker)
        while any(w.in_flight for w in workers) and not plan.stopped:
            by_handle: dict[Any, _Worker] = {}
            for w in workers:
                by_handle[w.conn] = w
                by_handle[w.process.sentinel] = w
            for handle in wait(list(by_handle), timeout=1.0):
                worker = by_handle[handle]
                if worker not in workers:
                    continue  # already buried through its other handle
                if handle is worker.conn:
                    try:
                        kind, payload = worker.conn.recv()
                    except (EOFError, OSError):
                        bury(worker)
                        continue
                    _handle(plan, worker, kind, payload)
                    fill(worker)
                elif not _drain(plan, worker):
                    bury(worker)
            for worker in list(workers):
                if not worker.in_flight and not plan.has_next():
                    _stop(worker)
                    workers.remove(worker)
    finally:
        for worker in workers:
            _stop(worker)


def _handle(plan: RunPlan, worker: _Worker, kind: str, payload: Any) -> None:
    if kind == "result":
        worker.in_flight.pop(payload.key, None)
        plan.record(payload)
    elif kind == "fatal":  # a FrontdeskError in the worker (a refused credential): the run stops
        raise FrontdeskError(payload)
    else:  # "crash": a bug in frontdesk, not a fault of any participant
        raise FrontdeskError(f"worker process {worker.number} failed: {payload}; finished trials are saved")


def _drain(plan: RunPlan, worker: _Worker) -> bool:
    """The process ended: take the results it sent before dying. True if it still looks alive."""
    try:
        while worker.conn.poll():
            kind, payload = worker.conn.recv()
            _handle(plan, worker, kind, payload)
    except (EOFError, OSError):
        pass
    return worker.process.is_alive()


def _stop(worker: _Worker) -> None:
    with contextlib.suppress(OSError):  # already gone
        worker.conn.send(_STOP)
    worker.process.join(timeout=10)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join(timeout=5)
    worker.conn.close()


def _how_it_ended(exitcode: int | None) -> str:
    if exitcode is None:
        return "stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"was killed by {name}"
    return f"exited with status {exitcode}"


# --- the worker side ----------------------------------------------------------------------------


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        # The kernel sends SIGKILL when the parent dies, even if it was SIGKILLed itself.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="frontdesk-parent-watchdog", daemon=True).start()


def _worker_main(conn: Connection, config: Any, goals: dict[str, Any], parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    asyncio.run(_serve(conn, config, goals))


async def _serve(conn: Connection, config: Any, goals: dict[str, Any]) -> None:
    from frontdesk.envs import get_domain
    from frontdesk.eval.gc_pauses import relax_gc
    from frontdesk.eval.trial import execute_trial
    from frontdesk.llm import aclose

    relax_gc()  # this process exists only to run trials: nothing to restore afterwards
    domain = get_domain(config.domain)
    tasks = {t.id: t for t in domain.tasks}
    personas = {p.name: p for p in config.personas}
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    outbox: queue.SimpleQueue[tuple[str, Any] | None] = queue.SimpleQueue()

    def read() -> None:  # blocking reads off the loop; the parent gone means we are done
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                os._exit(0)
            loop.call_soon_threadsafe(inbox.put_nowait, message)

    def send() -> None:  # blocking writes off the loop, so a slow parent never stalls the trials
        while (message := outbox.get()) is not None:
            try:
                conn.send(message)
            except (OSError, ValueError):
                os._exit(0)

    threading.Thread(target=read, name="frontdesk-worker-inbox", daemon=True).start()
    sender = threading.Thread(target=send, name="frontdesk-worker-outbox", daemon=True)
    sender.start()

    async def one(key: TrialKey) -> None:
        task_id, persona, trial = key
        try:
            result = await execute_trial(domain, tasks[task_id], trial, config, goals[task_id], personas[persona])
        except FrontdeskError as e:
            outbox.put(("fatal", str(e)))
            return
        except Exception as e:
            outbox.put(("crash", f"{type(e).__name__}: {e}"))
            return
        outbox.put(("result", result))

    running: set[asyncio.Task[None]] = set()
    while True:
        kind, key = await inbox.get()
        if kind == "stop":
            break
        job = asyncio.create_task(one(key))
        running.add(job)
        job.add_done_callback(running.discard)
    await asyncio.gather(*running)
    await aclose()
    outbox.put(None)
    sender.join(timeout=10)
