"""A user's own function under each Python model (``gil-lab compare FILE.py:FUNCTION``).

The host names the function in a *spec* (JSON text)::

    {"target": "work.py:pure", "path": "/abs/work.py", "module": null, "function": "pure",
     "inputs": {"kind": "count", "tasks": 2} | {"kind": "json", "values": [...]}
               | {"kind": "function", "path": ..., "module": ..., "function": "sizes"}}

Each model runs every task once and answers as the kernels' models do,
``(checksum, chunks, worker_cpu_s)``, with one chunk per task (the function is
opaque), and fills a ``report`` dict with what only a user's function has:

- ``results``: whether this row's results equal the sequential row's
  (``==``, else pickled bytes), or why they could not be compared;
- ``cannot_run``: Python's own words when the model cannot run this function
  (it does not pickle, a module refuses a subinterpreter, ...): a finding;
- ``raised``: the traceback (the user's frames) when the function raised;
- ``costs``: bytes pickled per task, the time to pickle and unpickle them, PSS
  per worker process;
- ``output``: what the function printed, shortened;
- ``gil_reenabled_by``: on a free-threaded build, the module whose import
  switched the GIL back on.

The sequential row runs first in every round (it is the baseline): its results
are the reference the other rows of this interpreter are compared with.
"""

import base64
import contextlib
import importlib
import importlib.util
import inspect
import io
import json
import os
import pickle
import re
import sys
import threading
import time
import traceback
import warnings

import gil_lab
from gil_lab.kernels import tasks as kernel_tasks
from gil_lab.runtime import dask_env, interpreters
from gil_lab.runtime.gil import gil_is_off_now
from gil_lab.runtime.processes import start_context

#: Characters of a task's output kept for the row's note.
OUTPUT_KEPT = 120

#: Tasks whose pickling is timed (the median stands for all of them).
PICKLE_SAMPLE = 8


class LoadError(Exception):
    """The file, module or function cannot be loaded: the user's input is wrong (exit 2)."""


class CannotRun(Exception):
    """This model cannot run this function; the message is Python's own words."""


# --------------------------------------------------------------------------
# Loading the user's code
# --------------------------------------------------------------------------

def _module_name(path):
    return os.path.splitext(os.path.basename(path))[0]


def load_module(path=None, module=None):
    """The user's module: a file (its folder goes on ``sys.path``, so it imports its
    neighbours and pool workers find it by name) or a module importable from here.
    gil-lab's private environment of this interpreter (numpy, dask) comes last on
    the path: the user's own packages win."""
    _private_packages_last()
    if path:
        folder = os.path.dirname(os.path.abspath(path))
        if folder not in sys.path:
            sys.path.insert(0, folder)
        name = _module_name(path)
        loaded = sys.modules.get(name)
        if loaded is not None and os.path.abspath(getattr(loaded, "__file__", "") or "") == os.path.abspath(path):
            return loaded
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None:
            raise LoadError("%s is not a Python file" % path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        try:
            spec.loader.exec_module(mod)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return mod
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    return importlib.import_module(module)


def _private_packages_last():
    site = dask_env._venv_site_packages()
    if site is not None and site not in sys.path:
        sys.path.append(site)


def load_function(path, module, function):
    mod = load_module(path, module)
    target = mod
    for part in function.split("."):
        if not hasattr(target, part):
            raise LoadError("%s has no function %s" % (path or module, function))
        target = getattr(target, part)
    if not callable(target):
        raise LoadError("%s.%s is not callable (it is a %s)" % (mod.__name__, function, type(target).__name__))
    return target


def user_frames(exc):
    """The traceback of ``exc`` without gil-lab's own frames: what the user wrote."""
    here = os.path.dirname(os.path.abspath(gil_lab.__file__))
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not os.path.abspath(f.filename).startswith(here)
              and "importlib._bootstrap" not in f.filename and "concurrent/futures" not in f.filename]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()


def in_words(exc):
    """``TypeError: cannot pickle ...``: the exception as Python prints its last line."""
    return "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]


# --------------------------------------------------------------------------
# One task
# --------------------------------------------------------------------------

class _Captured(io.StringIO):
    """sys.stdout/stderr while tasks run: keeps what each thread printed apart."""

    def __init__(self):
        super().__init__()
        self.by_thread = {}
        self.lock = threading.Lock()

    def write(self, text):
        with self.lock:
            ident = threading.get_ident()
            self.by_thread[ident] = self.by_thread.get(ident, "") + text
        return len(text)

    def take(self):
        with self.lock:
            return self.by_thread.pop(threading.get_ident(), "")


_capture_lock = threading.Lock()


@contextlib.contextmanager
def captured_output():
    """Swaps sys.stdout and sys.stderr for one capture shared by every thread of the run."""
    with _capture_lock:
        sink = _Captured()
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = sink
        try:
            yield sink
        finally:
            sys.stdout, sys.stderr = old


def _call(function, arg, no_argument):
    return function() if no_argument else function(arg)


def _stopped():
    """The host's --timeout has passed (see ``kernel_tasks._STOP_FILE``)."""
    return bool(kernel_tasks._STOP_FILE) and os.path.exists(kernel_tasks._STOP_FILE)


def timed_call(function, arg, no_argument, worker, sink=None):
    """Runs one task; returns a dict: result (or the error), its chunk, CPU, output."""
    if _stopped():
        raise TimeoutError("the run's --timeout passed")
    start, tcpu, pcpu = time.monotonic_ns(), time.thread_time_ns(), time.process_time()
    ident = threading.get_ident()
    kernel_tasks._running_tasks.add(ident)
    answer = {}
    try:
        answer["result"] = _call(function, arg, no_argument)
    except Exception as exc:  # noqa: BLE001 - the row reports it
        if isinstance(exc, TimeoutError) and _stopped():
            raise  # the run's --timeout, raised into this thread: the row is timed out
        answer["raised"] = user_frames(exc)
    finally:
        kernel_tasks._running_tasks.discard(ident)
    answer["chunk"] = (worker, start, time.monotonic_ns(), time.thread_time_ns() - tcpu)
    answer["cpu_s"] = time.process_time() - pcpu
    answer["output"] = sink.take() if sink is not None else ""
    return answer


def _worker_id():
    return os.getpid() * 1_000_003 + threading.get_ident() % 1_000_003


def in_worker(job):
    """A task in a pool worker (process or interpreter): output captured here, the
    result pickled back by the pool itself, with this worker's PSS."""
    function, arg, no_argument = job
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        answer = timed_call(function, arg, no_argument, _worker_id())
    answer["output"] = buffer.getvalue()
    answer["pid"] = os.getpid()
    answer["pss_kb"] = _pss_kb()
    return answer


def _pss_kb():
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def sub_task(params):
    """A task inside a subinterpreter: loads the function there (its module is imported
    anew), runs it, and answers JSON text with the result pickled (objects do not cross)."""
    p = json.loads(params)
    answer = {}
    try:
        function = load_function(p["path"], p["module"], p["function"])
    except Exception as exc:  # noqa: BLE001 - the module refused this interpreter
        return json.dumps({"cannot_run": in_words(exc)})
    arg = pickle.loads(base64.b64decode(p["arg"])) if p["arg"] is not None else None
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        done = timed_call(function, arg, p["no_argument"], p["worker"])
    answer.update(chunk=done["chunk"], cpu_s=done["cpu_s"], output=buffer.getvalue())
    if "raised" in done:
        answer["raised"] = done["raised"]
    else:
        try:
            answer["result"] = base64.b64encode(pickle.dumps(done["result"])).decode()
        except Exception as exc:  # noqa: BLE001
            answer["cannot_run"] = "its result must cross interpreters pickled: " + in_words(exc)
    return json.dumps(answer)


# --------------------------------------------------------------------------
# The work of one comparison, kept per process
# --------------------------------------------------------------------------

class Work:
    """The function, its arguments and the sequential row's results, loaded once per process."""

    def __init__(self, spec):
        self.spec = spec
        gil_was_off = gil_is_off_now()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            self.function = load_function(spec.get("path"), spec.get("module"), spec["function"])
            self.args = self._arguments()
        self.gil_reenabled_by = None
        if gil_was_off and not gil_is_off_now():  # importing the function switched the GIL back on
            self.gil_reenabled_by = _gil_culprit(caught) or self.module_label()
        self.no_argument = self._takes_nothing()
        self.reference = None
        self.costs = None

    def module_label(self):
        return _module_name(self.spec["path"]) if self.spec.get("path") else self.spec["module"]

    def _arguments(self):
        inputs = self.spec["inputs"]
        if inputs["kind"] == "json":
            return list(inputs["values"])
        if inputs["kind"] == "function":
            make = load_function(inputs.get("path"), inputs.get("module"), inputs["function"])
            try:
                values = list(make())
            except TypeError as exc:
                raise LoadError("%s must return an iterable of arguments: %s" % (inputs["function"], exc))
            return values
        return list(range(inputs["tasks"]))

    def _takes_nothing(self):
        """``FUNCTION()`` when it takes no parameter and the arguments are the task numbers."""
        if self.spec["inputs"]["kind"] != "count":
            return False
        try:
            params = inspect.signature(self.function).parameters.values()
        except (TypeError, ValueError):
            return False
        return not any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in params)

    def jobs(self):
        return [(self.function, arg, self.no_argument) for arg in self.args]


def _gil_culprit(caught):
    for w in caught:
        found = re.search(r"load module '([^']+)'", str(w.message))
        if found and "GIL" in str(w.message):
            return found.group(1)
    return None


_works = {}


def work_for(spec_text):
    work = _works.get(spec_text)
    if work is None:
        work = _works[spec_text] = Work(json.loads(spec_text))
    return work


def check(spec_text):
    """Loads the function and its arguments once, for the host to refuse bad input
    (exit 2) before measuring: JSON text with the task count, or ``{"error": ...}``."""
    try:
        work = work_for(spec_text)
    except LoadError as exc:
        return json.dumps({"error": str(exc), "kind": "load"})
    except SyntaxError as exc:
        return json.dumps({"error": in_words(exc), "kind": "load", "frames": user_frames(exc)})
    except Exception as exc:  # noqa: BLE001 - importing the user's code raised
        return json.dumps({"error": in_words(exc), "kind": "import", "frames": user_frames(exc)})
    return json.dumps({"tasks": len(work.args), "no_argument": work.no_argument,
                       "function": getattr(work.function, "__qualname__", work.spec["function"]),
                       "gil_reenabled_by": work.gil_reenabled_by})


# --------------------------------------------------------------------------
# The models
# --------------------------------------------------------------------------

def run(model, spec_text, workers, start_method=None, report=None):
    """Runs every task of the spec under ``model``; see the module's docstring."""
    report = {} if report is None else report
    try:
        work = work_for(spec_text)
    except Exception as exc:  # noqa: BLE001 - e.g. an extension built for another Python
        report["cannot_run"] = _does_not_import(exc)
        return 0, [], 0.0
    if work.gil_reenabled_by:
        report["gil_reenabled_by"] = work.gil_reenabled_by
    try:
        answers = MODELS[model](work, workers, start_method, report)
    except CannotRun as exc:
        report["cannot_run"] = str(exc)
        return 0, [], 0.0
    return _finish(model, work, answers, report)


def _finish(model, work, answers, report):
    """Turns the tasks' answers into the models' common answer and fills ``report``."""
    cannot = next((a["cannot_run"] for a in answers if "cannot_run" in a), None)
    if cannot:
        report["cannot_run"] = cannot
        return 0, [], 0.0
    outputs = [a.get("output", "") for a in answers if a.get("output")]
    if outputs:
        first = outputs[0].strip().replace("\n", " | ")
        if len(first) > OUTPUT_KEPT:
            first = first[:OUTPUT_KEPT - 1] + "…"
        report["output"] = {"tasks": len(outputs), "first": first}
    raised = next((a["raised"] for a in answers if "raised" in a), None)
    if raised:
        report["raised"] = raised
        return 0, [], 0.0
    results = [a["result"] for a in answers]
    if model == "sequential":
        if work.reference is None:
            work.reference = results
            work.costs = pickling_costs(work.args, results)
        report["results"] = {"outcome": "reference", "detail": "the results the other rows are compared with"}
    elif work.reference is not None:
        report["results"] = compare_results(work.reference, results)
    pss = {}
    for a in answers:
        if a.get("pid") is not None and a.get("pss_kb") is not None:
            pss[a["pid"]] = max(pss.get(a["pid"], 0), a["pss_kb"])
    if model in ("process_pool", "interpreter_pool") and work.costs is not None:
        report["costs"] = dict(work.costs)
    if pss and model == "process_pool":
        report.setdefault("costs", {})["pss_kb_per_worker"] = sorted(pss.values())[len(pss) // 2]
        report["costs"]["worker_processes"] = len(pss)
    chunks = [tuple(a["chunk"]) for a in answers]
    external = model == "process_pool"
    cpu = sum(a.get("cpu_s", 0.0) for a in answers) if external else 0.0
    return len(answers), chunks, cpu


def _sequential(work, workers, start_method, report):
    with captured_output() as sink:
        return [timed_call(f, a, n, 0, sink) for f, a, n in work.jobs()]


def _threads(work, workers, start_method, report):
    from concurrent.futures import ThreadPoolExecutor

    with captured_output() as sink, ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: timed_call(*job, _worker_id(), sink), work.jobs()))


def _must_pickle(work, where, function=True):
    """Pools pickle the function by reference and every argument: a row cannot run what does not pickle.
    (Subinterpreters load the function by its name; only arguments and results cross.)"""
    try:
        if function:
            pickle.dumps(work.function)
    except Exception as exc:  # noqa: BLE001
        raise CannotRun("%s pickle the function, and it does not pickle: %s" % (where, in_words(exc)))
    for i, arg in enumerate(work.args):
        try:
            pickle.dumps(arg)
        except Exception as exc:  # noqa: BLE001
            raise CannotRun("%s pickle each argument; argument %d does not pickle: %s" % (where, i, in_words(exc)))
    for i, result in enumerate(work.reference or []):
        try:
            pickle.dumps(result)
        except Exception as exc:  # noqa: BLE001
            raise CannotRun("%s pickle each result; the result of task %d does not pickle: %s"
                            % (where, i, in_words(exc)))


SUBINTERPRETERS_PICKLE = "subinterpreters take arguments and give results as bytes, so they"


def _process_pool(work, workers, start_method, report):
    from concurrent.futures import ProcessPoolExecutor

    _must_pickle(work, "process pools")
    context = start_context(start_method)
    report["start_method"] = context.get_start_method()
    report["api"] = "concurrent.futures.ProcessPoolExecutor"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DeprecationWarning)
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                answers = list(pool.map(in_worker, work.jobs()))
    except Exception as exc:  # noqa: BLE001 - e.g. the workers cannot import the user's module
        if isinstance(exc, TimeoutError):
            raise
        raise CannotRun(in_words(exc))
    report["notes"] = sorted({str(w.message) for w in caught if "fork" in str(w.message)})
    return answers


def _interpreter_pool(work, workers, start_method, report):
    name, executor = interpreters.pool()
    if executor is None:
        raise CannotRun(interpreters.pool_reason())
    _must_pickle(work, "interpreter pools")
    # A pool whose interpreters cannot import the function may wait forever for
    # them: one subinterpreter tries the import first.
    refused = _import_refused_in_subinterpreter(work)
    if refused:
        raise CannotRun(refused)
    report["api"] = name
    try:
        with interpreters.pool_executor(workers) as pool:
            return list(pool.map(in_worker, work.jobs()))
    except Exception as exc:  # noqa: BLE001 - a module that refuses subinterpreters, NotShareableError...
        if isinstance(exc, TimeoutError):
            raise
        raise CannotRun(_execution_failed_words(exc))


def _import_refused_in_subinterpreter(work):
    """Python's words when the user's module does not load in an isolated subinterpreter, else None."""
    if interpreters.reason():
        return None
    with interpreters.Subinterpreter() as sub:
        answer = json.loads(sub.call(try_import, json.dumps(
            {"path": work.spec.get("path"), "module": work.spec.get("module"), "function": work.spec["function"]})))
    return answer.get("error")


def try_import(params):
    """In a subinterpreter: whether the function loads here (JSON text)."""
    p = json.loads(params)
    try:
        load_function(p["path"], p["module"], p["function"])
    except Exception as exc:  # noqa: BLE001
        return json.dumps({"error": in_words(exc)})
    return json.dumps({})


def _execution_failed_words(exc):
    """An exception raised in another interpreter comes back wrapped: its own words are inside."""
    text = str(exc)
    excinfo = getattr(exc, "excinfo", None)
    if excinfo is not None:
        text = "%s: %s" % (getattr(excinfo.type, "__name__", excinfo.type), excinfo.msg)
    cause = exc.__cause__
    if cause is not None and not excinfo:
        text = in_words(cause)
    return text if ":" in text else in_words(exc)


def sub_params(work, task, worker):
    arg = work.args[task]
    return json.dumps({
        "path": work.spec.get("path"), "module": work.spec.get("module"), "function": work.spec["function"],
        "arg": base64.b64encode(pickle.dumps(arg)).decode() if not work.no_argument else None,
        "no_argument": work.no_argument, "worker": worker,
    })


def _subinterpreters(work, workers, start_method, report):
    why = interpreters.reason()
    if why:
        raise CannotRun(why)
    _must_pickle(work, SUBINTERPRETERS_PICKLE, function=False)
    report["api"] = interpreters.label()
    tasks = len(work.args)
    shares = max(1, min(workers, tasks))
    texts = [None] * tasks

    def share(i, sub):
        for task in range(i, tasks, shares):
            texts[task] = sub.call(sub_task, sub_params(work, task, i))

    try:
        interpreters.in_threads(shares, share)
    except Exception as exc:  # noqa: BLE001
        if isinstance(exc, TimeoutError):
            raise
        raise CannotRun(_execution_failed_words(exc))
    return [_from_sub(t) for t in texts]


def _from_sub(text):
    answer = json.loads(text)
    if "result" in answer:
        answer["result"] = pickle.loads(base64.b64decode(answer["result"]))
    return answer


def subinterpreter_params(spec_text, task, worker):
    """For the host's own subinterpreters (C API): the parameters of one task."""
    return sub_params(work_for(spec_text), task, worker)


def finish_subinterpreters(spec_text, texts, report=None):
    """For the host's own subinterpreters: their answers, as ``run`` gives them."""
    work = work_for(spec_text)
    report = {} if report is None else report
    report["api"] = "one subinterpreter per Rust thread (C API)"
    if work.gil_reenabled_by:
        report["gil_reenabled_by"] = work.gil_reenabled_by
    try:
        _must_pickle(work, SUBINTERPRETERS_PICKLE, function=False)
    except CannotRun as exc:
        report["cannot_run"] = str(exc)
        return 0, [], 0.0
    return _finish("subinterpreters", work, [_from_sub(t) for t in texts], report)


def subinterpreter_precheck(spec_text):
    """For the host's own subinterpreters: why they cannot run, before any is created."""
    try:
        work = work_for(spec_text)
    except Exception as exc:  # noqa: BLE001 - as run() says it for every other model
        return _does_not_import(exc)
    try:
        _must_pickle(work, "subinterpreters take arguments and give results as bytes, so they")
    except CannotRun as exc:
        return str(exc)
    return None


def _does_not_import(exc):
    """Why no model of this interpreter can run code that does not import here."""
    return "your code does not import in Python %d.%d: %s" % (
        sys.version_info[0], sys.version_info[1], in_words(exc))


MODELS = {
    "sequential": _sequential,
    "threads": _threads,
    "process_pool": _process_pool,
    "interpreter_pool": _interpreter_pool,
    "subinterpreters": _subinterpreters,
}


# --------------------------------------------------------------------------
# Results and costs
# --------------------------------------------------------------------------

def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def compare_results(reference, results):
    """``same`` (by ``==``, else by pickled bytes), ``differ`` (the first task that
    differs) or ``not_compared`` (why)."""
    if len(reference) != len(results):
        return {"outcome": "differ", "detail": "%d results against %d" % (len(results), len(reference))}
    by_bytes = False
    for i, (a, b) in enumerate(zip(reference, results)):
        try:
            if bool(a == b):
                continue
        except Exception:  # noqa: BLE001 - e.g. numpy arrays: == gives an array
            pass
        try:
            if pickle.dumps(a) == pickle.dumps(b):
                by_bytes = True
                continue
        except Exception as exc:  # noqa: BLE001
            return {"outcome": "not_compared",
                    "detail": "task %d: == does not say equal and the results do not pickle: %s" % (i, in_words(exc))}
        return {"outcome": "differ", "detail": "task %d: %s, the sequential row %s" % (i, _short(b), _short(a))}
    return {"outcome": "same", "detail": "equal by pickled bytes" if by_bytes else "equal by =="}


def _best_of(action, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def pickling_costs(args, results):
    """What a pool pays per task to send this function's argument and result:
    pickled bytes (median over tasks) and the time to pickle and unpickle both,
    in this process, best of 3, median over up to ``PICKLE_SAMPLE`` tasks."""
    arg_bytes, result_bytes, seconds = [], [], []
    for i, (arg, result) in enumerate(zip(args, results)):
        try:
            a = pickle.dumps(arg)
            r = pickle.dumps(result)
        except Exception:  # noqa: BLE001 - the pool rows say why
            return None
        arg_bytes.append(len(a))
        result_bytes.append(len(r))
        if i < PICKLE_SAMPLE:
            seconds.append(_best_of(lambda: pickle.loads(pickle.dumps(arg)))
                           + _best_of(lambda: pickle.loads(pickle.dumps(result))))
    if not arg_bytes:
        return None

    def median(xs):
        xs = sorted(xs)
        return xs[len(xs) // 2]

    return {
        "arg_bytes": median(arg_bytes),
        "result_bytes": median(result_bytes),
        "pickle_s_per_task": median(seconds),
        "tasks": len(arg_bytes),
        "protocol": pickle.DEFAULT_PROTOCOL,
    }
