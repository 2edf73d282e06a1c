"""Cache-miss counts of one GEMM call, simulated by valgrind's cachegrind.

Hardware counters are usually unavailable in the VMs jitla is developed on
(``perf stat`` says "not supported"), so misses are counted by simulation:
a child Python process runs one variant at size n under::

    valgrind --tool=cachegrind --cache-sim=yes --I1=... --D1=... --LL=...

with this machine's cache geometry passed explicitly (read from
``/sys/devices/system/cpu/cpu0/cache/``).  Cachegrind simulates two levels,
D1 and a last level "LL"; by default LL is given the size of L2, where the
packed kernel's MC x KC block lives (``ll_level=3`` simulates L3 instead).

Cachegrind counts the whole process (interpreter start-up, imports), and the
valgrind shipped here has no client requests to switch counting on and off.
So the child is run twice, with a warm-up call plus 0 and plus ``calls``
measured calls, and the counts are subtracted: what is left is ``calls``
calls in steady state, with whatever the previous call left in the caches.

The kernels must not compile under valgrind (that takes minutes): each child
is first run natively with the same environment, which compiles the kernels
into a separate Numba cache directory; the valgrind runs load them from it.

Valgrind does not implement AVX-512.  On a machine with AVX-512 the child's
Numba target is first probed under ``valgrind --tool=none``; when valgrind
reports an unhandled instruction, the child is compiled for ``haswell``
(AVX2 + FMA) through ``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES`` instead, and
the result says so: its counts are for AVX2 code, not for what runs natively.

Nothing here prints.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "CacheLevel",
    "CacheGeometry",
    "CachegrindResult",
    "CachegrindReport",
    "EVENTS",
    "find_valgrind",
    "cache_geometry",
    "parse_cachegrind_out",
    "parse_cachegrind_summary",
    "unsupported_instruction",
    "cachegrind_gemm",
    "cachegrind_report",
]

_SYSFS_CACHE = Path("/sys/devices/system/cpu/cpu0/cache")
#: Cachegrind's event names, in the order of its output file.
EVENTS = ("Ir", "I1mr", "ILmr", "Dr", "D1mr", "DLmr", "Dw", "D1mw", "DLmw")
#: Numba targets tried in turn when ``cpu="auto"``.
FALLBACK_CPUS = ("haswell", "x86-64")
_REPO_ROOT = Path(__file__).resolve().parents[2]

# Whether valgrind could run natively compiled kernels, once found out
# (also remembered in the children's cache directory, see _native_verdict).
_NATIVE_OK: dict[str, bool] = {}


# --------------------------------------------------------------------------
# cache geometry
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class CacheLevel:
    """One simulated cache: size and line in bytes, associativity in ways."""

    size: int
    assoc: int
    line: int

    @property
    def sets(self) -> int:
        """Number of sets, ``size / (assoc * line)``."""
        return self.size // (self.assoc * self.line)

    def valgrind_arg(self) -> str:
        """The ``size,assoc,line`` form of ``--D1=`` and friends."""
        return f"{self.size},{self.assoc},{self.line}"


@dataclass(frozen=True)
class CacheGeometry:
    """The three caches cachegrind simulates, and where their sizes came from.

    Attributes
    ----------
    I1, D1, LL : CacheLevel
    ll_level : int
        The real cache level LL stands for (2 or 3).
    source : str
        "sysfs", or "fallback" (sizes from :func:`jitla.config.cache_info`,
        associativity assumed).
    notes : tuple of str
        Adjustments made so that valgrind accepts the geometry.
    """

    I1: CacheLevel
    D1: CacheLevel
    LL: CacheLevel
    ll_level: int
    source: str
    notes: tuple[str, ...] = ()

    def valgrind_args(self) -> list[str]:
        """``--I1=``, ``--D1=`` and ``--LL=`` options."""
        return [
            f"--I1={self.I1.valgrind_arg()}",
            f"--D1={self.D1.valgrind_arg()}",
            f"--LL={self.LL.valgrind_arg()}",
        ]


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _read_sysfs_levels(root: Path) -> dict[tuple[int, str], CacheLevel]:
    """``{(level, "Data"|"Instruction"|"Unified"): CacheLevel}`` from sysfs."""
    from jitla.config import _parse_size

    found = {}
    for index in sorted(root.glob("index*")):
        try:
            level = int((index / "level").read_text())
            kind = (index / "type").read_text().strip()
            size = _parse_size((index / "size").read_text())
        except (OSError, ValueError):
            continue
        line = _read_int(index / "coherency_line_size") or 64
        assoc = _read_int(index / "ways_of_associativity")
        if not assoc:  # 0 means fully associative; missing means unknown
            assoc = size // line if assoc == 0 else (8 if level == 1 else 16)
        found[(level, kind)] = CacheLevel(size, assoc, line)
    return found


def _power_of_two_sets(level: CacheLevel, name: str, notes: list[str]) -> CacheLevel:
    """Valgrind needs a power-of-two set count: shrink the cache to the one below."""
    sets = level.sets
    if sets >= 1 and sets & (sets - 1) == 0 and level.size == sets * level.assoc * level.line:
        return level
    sets = 1 << max(0, sets.bit_length() - 1)
    fixed = CacheLevel(sets * level.assoc * level.line, level.assoc, level.line)
    notes.append(f"{name} simulated as {fixed.size} bytes (valgrind needs a power-of-two set count)")
    return fixed


def cache_geometry(ll_level: int = 2, root: str | os.PathLike | None = None) -> CacheGeometry:
    """I1, D1 and LL geometry for cachegrind, from sysfs where it can be read.

    Parameters
    ----------
    ll_level : int
        Which level cachegrind's last-level cache stands for: 2 (default;
        the level the packed kernel blocks for with MC) or 3.
    root : path, optional
        The sysfs cache directory (for tests).

    Returns
    -------
    CacheGeometry
        Sizes from ``size``, associativity from ``ways_of_associativity``
        and line from ``coherency_line_size``; where sysfs has no entry,
        sizes come from :func:`jitla.config.cache_info` and associativity is
        assumed (8 ways for L1, 16 for L2/L3).
    """
    from jitla.config import cache_info

    if ll_level not in (2, 3):
        raise ValueError(f"ll_level must be 2 or 3, got {ll_level}")
    found = _read_sysfs_levels(Path(root) if root is not None else _SYSFS_CACHE)

    def pick(level, kinds):
        return next((found[(level, k)] for k in kinds if (level, k) in found), None)

    d1 = pick(1, ("Data", "Unified"))
    ll = pick(ll_level, ("Unified", "Data"))
    if ll is None and ll_level == 3:
        ll = pick(2, ("Unified", "Data"))
    source = "sysfs"
    if d1 is None or ll is None:
        caches = cache_info() if root is None else cache_info(root)
        line = caches.line
        d1 = d1 or CacheLevel(caches.l1d, 8, line)
        ll = ll or CacheLevel(caches.l2 if ll_level == 2 else caches.l3, 16, line)
        source = "fallback"
    i1 = pick(1, ("Instruction",)) or d1
    notes: list[str] = []
    i1 = _power_of_two_sets(i1, "I1", notes)
    d1 = _power_of_two_sets(d1, "D1", notes)
    ll = _power_of_two_sets(ll, "LL", notes)
    return CacheGeometry(i1, d1, ll, ll_level, source, tuple(notes))


# --------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------
def parse_cachegrind_out(text: str) -> dict[str, int]:
    """Totals from a cachegrind output file (its ``events:`` and ``summary:`` lines).

    Parameters
    ----------
    text : str
        Contents of ``cachegrind.out.<pid>``.

    Returns
    -------
    dict
        Event name (``Ir``, ``Dr``, ``D1mr``, ...) -> count.

    Raises
    ------
    ValueError
        If either line is missing or they disagree in length.
    """
    events = summary = None
    for line in text.splitlines():
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("summary:"):
            summary = [int(x) for x in line.split()[1:]]
    if events is None or summary is None or len(events) != len(summary):
        raise ValueError("not a cachegrind output file: no matching 'events:' and 'summary:' lines")
    return dict(zip(events, summary, strict=True))


_SUMMARY_LINE = re.compile(r"^(?:==\d+==\s*)?(I|I1|LLi|D|D1|LLd|LL)\s+(refs|misses):\s+(.*)$")
_SUMMARY_EVENTS = {
    ("I", "refs"): ("Ir",),
    ("I1", "misses"): ("I1mr",),
    ("LLi", "misses"): ("ILmr",),
    ("D", "refs"): ("Dr", "Dw"),
    ("D1", "misses"): ("D1mr", "D1mw"),
    ("LLd", "misses"): ("DLmr", "DLmw"),
}


def parse_cachegrind_summary(text: str) -> dict[str, int]:
    """Totals from the summary cachegrind prints on stderr.

    Parameters
    ----------
    text : str
        Valgrind's stderr, with or without the ``==pid==`` prefixes.  Lines
        such as ``D1  misses:  12,345  ( 10,000 rd + 2,345 wr)`` give the
        read and write parts.

    Returns
    -------
    dict
        The same event names as :func:`parse_cachegrind_out` (``Ir``,
        ``I1mr``, ``ILmr``, ``Dr``, ``Dw``, ``D1mr``, ``D1mw``, ``DLmr``,
        ``DLmw``), for the lines present.

    Raises
    ------
    ValueError
        If no summary line is found.
    """
    counts: dict[str, int] = {}
    for line in text.splitlines():
        match = _SUMMARY_LINE.match(line.strip())
        if not match or (match[1], match[2]) not in _SUMMARY_EVENTS:
            continue
        names = _SUMMARY_EVENTS[(match[1], match[2])]
        numbers = [int(x.replace(",", "")) for x in re.findall(r"\d[\d,]*", match[3])]
        if len(names) == 1:
            counts[names[0]] = numbers[0]
        elif len(numbers) >= 3:  # total (read + write)
            counts[names[0]], counts[names[1]] = numbers[1], numbers[2]
    if not counts:
        raise ValueError("no cachegrind summary found")
    return counts


def unsupported_instruction(stderr: str, returncode: int | None = None) -> bool:
    """True when valgrind stopped on an instruction it does not implement (e.g. AVX-512).

    Valgrind prints ``vex amd64->IR: unhandled instruction bytes: ...`` and
    kills the client with SIGILL.
    """
    text = stderr.lower()
    if "unhandled instruction" in text or "unrecognised instruction" in text:
        return True
    return returncode in (-4, 128 + 4) and "sigill" in text


# --------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------
def find_valgrind() -> tuple[str | None, str]:
    """Return ``(path, "")`` for a usable valgrind, or ``(None, reason)``."""
    path = shutil.which("valgrind")
    if path is None:
        return None, "valgrind is not installed (apt-get install valgrind)"
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"valgrind at {path} does not run: {exc}"
    if version.returncode != 0:
        return None, f"valgrind at {path} does not run: {version.stderr.strip()}"
    return path, ""


# The child blocks scipy: Numba imports it only to check its version (and for
# np.linalg inside kernels, which the gemm kernels do not use), and under
# valgrind that import alone costs seconds.
_CHILD = r"""
import json, sys
sys.modules["scipy"] = None
spec = json.loads(sys.argv[1])
import numpy as np
from jitla.kernels import get_kernel
from jitla.linalg._dispatch import kernel_extras
info = get_kernel("gemm", spec["variant"])
dtype = np.dtype(spec["dtype"])
n = spec["n"]
A = (np.arange(n * n) % 7 - 3.0).reshape(n, n).astype(dtype)  # values do not change the access pattern
B = (np.arange(n * n) % 5 - 2.0).reshape(n, n).astype(dtype)
C = np.zeros((n, n), dtype)
extra = kernel_extras(info, dtype, blocks=spec["blocks"], nthreads=1)
alpha = dtype.type(1)
for _ in range(1 + spec["calls"]):
    info.func(A, B, C, alpha, *extra)
stats = info.func.stats
# the child's stdout is its answer to the parent (one JSON line)
counts = {"compiled": sum(stats.cache_misses.values()), "loaded": sum(stats.cache_hits.values())}
sys.stdout.write(json.dumps(counts) + "\n")
"""


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jitla" / "cachegrind-numba"


def _target_env(cpu: str) -> dict[str, str]:
    """``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES`` for a child compiled for *cpu*.

    The values are always explicit, because under valgrind the CPUID the
    child sees is valgrind's, and Numba would otherwise compile for (and
    look up cached code of) a different machine.
    """
    if cpu != "native":
        return {"NUMBA_CPU_NAME": cpu, "NUMBA_CPU_FEATURES": ""}
    from numba.core import config as numba_config

    if numba_config.CPU_NAME:
        return {
            "NUMBA_CPU_NAME": numba_config.CPU_NAME,
            "NUMBA_CPU_FEATURES": numba_config.CPU_FEATURES or "",
        }
    import llvmlite.binding as llvm
    from numba.core.codegen import get_host_cpu_features

    return {"NUMBA_CPU_NAME": llvm.get_host_cpu_name(), "NUMBA_CPU_FEATURES": get_host_cpu_features()}


def _child_env(cpu: str, cache_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(_target_env(cpu))
    env.update(
        {
            "NUMBA_CACHE_DIR": str(cache_dir),
            "NUMBA_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(_REPO_ROOT), os.environ.get("PYTHONPATH")])),
        }
    )
    return env


def _run(cmd, env, timeout) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, -9, "", f"timed out after {timeout} s")


def _child_report(stdout: str) -> dict:
    for line in reversed(stdout.strip().splitlines()):
        try:
            return json.loads(line)
        except ValueError:
            continue
    return {}


def _host_has_avx512() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and " avx512f" in line for line in f)
    except OSError:
        return False


@dataclass(frozen=True)
class CachegrindResult:
    """Simulated cache events of ``calls`` GEMM calls, divided by ``calls``.

    Attributes
    ----------
    variant : str
    n : int
    dtype : str
    calls : int
    per_call : dict or None
        Event -> count per call (``Ir``, ``Dr``, ``Dw``, ``D1mr``, ``D1mw``,
        ``DLmr``, ``DLmw``, ...); None when the run failed (see ``reason``).
    cpu : str
        The Numba target of the child ("native", "haswell", ...).
    geometry : CacheGeometry
    compulsory_lines : int
        Lines a call must touch at least: ``3 n^2 itemsize / line``.
    notes : list of str
        What the reader must know (a fallback target, an adjusted cache).
    reason : str
        Why there are no counts ("" when there are).
    wall_s : float
        Seconds the whole measurement took.
    """

    variant: str
    n: int
    dtype: str
    calls: int
    per_call: dict | None
    cpu: str
    geometry: CacheGeometry
    compulsory_lines: int
    notes: list[str] = field(default_factory=list)
    reason: str = ""
    wall_s: float = 0.0

    def _sum(self, *names) -> float | None:
        return None if self.per_call is None else float(sum(self.per_call.get(x, 0) for x in names))

    @property
    def d_refs(self) -> float | None:
        """Data reads plus writes per call."""
        return self._sum("Dr", "Dw")

    @property
    def d1_misses(self) -> float | None:
        """D1 read plus write misses per call."""
        return self._sum("D1mr", "D1mw")

    @property
    def ll_misses(self) -> float | None:
        """Last-level (data) read plus write misses per call."""
        return self._sum("DLmr", "DLmw")

    def as_dict(self) -> dict:
        """Return the result as a JSON-ready dict, with the derived totals."""
        return {
            **asdict(self),
            "d_refs": self.d_refs,
            "d1_misses": self.d1_misses,
            "ll_misses": self.ll_misses,
        }


def _failed(variant, n, dtype, calls, cpu, geometry, compulsory, notes, reason, start) -> CachegrindResult:
    return CachegrindResult(
        variant, n, dtype, calls, None, cpu, geometry, compulsory, notes, reason, time.perf_counter() - start
    )


def _native_runs_under_valgrind(valgrind, spec, cache_dir, timeout) -> tuple[bool, str]:
    """Probe with ``--tool=none`` (fast) whether valgrind can execute the native kernels."""
    env = _child_env("native", cache_dir)
    probe = _run([valgrind, "--tool=none", sys.executable, "-c", _CHILD, json.dumps(spec)], env, timeout)
    if unsupported_instruction(probe.stderr, probe.returncode):
        return False, _first_unhandled(probe.stderr)
    return True, ""


def _verdict_key(valgrind: str) -> str:
    env = _target_env("native")
    return f"{os.path.realpath(valgrind)}|{env['NUMBA_CPU_NAME']}|{env['NUMBA_CPU_FEATURES']}"


def _native_verdict(valgrind: str, cache_dir: Path) -> bool | None:
    """What an earlier probe found: can valgrind run this machine's native code?"""
    if valgrind in _NATIVE_OK:
        return _NATIVE_OK[valgrind]
    try:
        known = json.loads((cache_dir / "native-verdict.json").read_text())
    except (OSError, ValueError):
        return None
    verdict = known.get(_verdict_key(valgrind)) if isinstance(known, dict) else None
    if isinstance(verdict, bool):
        _NATIVE_OK[valgrind] = verdict
        return verdict
    return None


def _remember_native_verdict(valgrind: str, cache_dir: Path, ok: bool) -> None:
    _NATIVE_OK[valgrind] = ok
    path = cache_dir / "native-verdict.json"
    try:
        known = json.loads(path.read_text()) if path.exists() else {}
        known = known if isinstance(known, dict) else {}
        known[_verdict_key(valgrind)] = ok
        path.write_text(json.dumps(known))
    except (OSError, ValueError):
        pass  # only a cache: the probe runs again next time


def _first_unhandled(stderr: str) -> str:
    for line in stderr.splitlines():
        if "unhandled instruction" in line.lower():
            return re.sub(r"^==\d+==\s*", "", line).strip()
    return "SIGILL"


def cachegrind_gemm(
    variant: str,
    n: int,
    dtype="float64",
    *,
    calls: int = 1,
    ll_level: int = 2,
    cpu: str = "auto",
    blocks=None,
    timeout: float = 600,
    cache_dir: str | os.PathLike | None = None,
    geometry: CacheGeometry | None = None,
) -> CachegrindResult:
    """Count D1 and LL misses of one gemm variant at size n with cachegrind.

    Parameters
    ----------
    variant : str
        A gemm variant from the registry.
    n : int
        Square size.
    dtype : str or dtype
    calls : int
        Measured calls; the counts are divided by it.
    ll_level : int
        2 or 3: which real cache the simulated LL stands for.
    cpu : str
        Numba target of the child: "auto" (native, or ``haswell`` where
        valgrind cannot run the native code), "native", or an LLVM CPU name.
    blocks : tuple of int, optional
        ``(MC, KC, NC)`` (default :func:`jitla.config.gemm_blocks`).
    timeout : float
        Seconds allowed to each child process.
    cache_dir : path, optional
        Numba cache directory of the children (default
        ``~/.cache/jitla/cachegrind-numba``), kept apart from the package's
        own cache because the fallback targets compile different code.
    geometry : CacheGeometry, optional
        Default :func:`cache_geometry` ``(ll_level)``.

    Returns
    -------
    CachegrindResult
        ``per_call`` is None, and ``reason`` says why, when valgrind is
        missing or a child failed.

    Notes
    -----
    Two valgrind runs (warm-up + 0 calls, warm-up + ``calls`` calls) run
    side by side; each takes 10-30 s of interpreter and Numba start-up under
    valgrind plus the kernel at roughly 50x its native time.  The
    difference still carries a little noise from start-up (a few hundred
    misses), which matters only for tiny n.
    """
    from jitla import config
    from jitla.kernels import get_kernel

    start = time.perf_counter()
    get_kernel("gemm", variant)  # ValueError for an unknown variant, before anything runs
    dtype = np.dtype(dtype)
    if calls < 1:
        raise ValueError(f"calls must be at least 1, got {calls}")
    geometry = geometry or cache_geometry(ll_level)
    compulsory = -(-3 * n * n * dtype.itemsize // geometry.D1.line)
    notes = list(geometry.notes)
    notes.append(
        f"LL simulated as L{geometry.ll_level}: {geometry.LL.size // 1024} KiB, {geometry.LL.assoc}-way"
    )
    valgrind, reason = find_valgrind()
    if valgrind is None:
        return _failed(variant, n, dtype.name, calls, cpu, geometry, compulsory, notes, reason, start)
    cache_dir = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    blocks = tuple(blocks or config.gemm_blocks(dtype).as_tuple())
    spec = {"variant": variant, "n": int(n), "dtype": dtype.name, "blocks": blocks, "calls": 0}

    verdict = _native_verdict(valgrind, cache_dir)
    if cpu == "auto":
        targets = list(FALLBACK_CPUS) if verdict is False else ["native", *FALLBACK_CPUS]
    else:
        targets = [cpu]
    why_not_native = "found by an earlier probe" if verdict is False else ""
    for target in targets:
        env = _child_env(target, cache_dir)
        prep = _run([sys.executable, "-c", _CHILD, json.dumps(spec)], env, timeout)
        if prep.returncode != 0:
            tail = prep.stderr.strip().splitlines()[-1:] or ["(no output)"]
            reason = f"the child failed natively for cpu={target}: {tail[0]}"
            return _failed(variant, n, dtype.name, calls, target, geometry, compulsory, notes, reason, start)
        if target == "native" and cpu == "auto" and _host_has_avx512() and verdict is None:
            ok, why_not_native = _native_runs_under_valgrind(valgrind, spec, cache_dir, timeout)
            _remember_native_verdict(valgrind, cache_dir, ok)
            if not ok:
                continue
        cmd = [valgrind, "--tool=cachegrind", "--cache-sim=yes", *geometry.valgrind_args()]
        with tempfile.TemporaryDirectory(prefix="jitla-cg-") as tmp:
            runs = []
            for label, count in (("base", 0), ("measured", calls)):
                out = os.path.join(tmp, f"{label}.out")
                child = [sys.executable, "-c", _CHILD, json.dumps({**spec, "calls": count})]
                runs.append([*cmd, f"--cachegrind-out-file={out}", *child])
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                done = list(pool.map(functools.partial(_run, env=env, timeout=timeout), runs))
            if any(unsupported_instruction(r.stderr, r.returncode) for r in done):
                why_not_native = why_not_native or next(
                    _first_unhandled(r.stderr)
                    for r in done
                    if unsupported_instruction(r.stderr, r.returncode)
                )
                if target == "native":
                    _remember_native_verdict(valgrind, cache_dir, False)
                continue
            failed = next((r for r in done if r.returncode != 0), None)
            if failed is not None:
                tail = failed.stderr.strip().splitlines()[-1:] or ["(no output)"]
                reason = f"valgrind run failed (rc={failed.returncode}): {tail[0]}"
                return _failed(
                    variant, n, dtype.name, calls, target, geometry, compulsory, notes, reason, start
                )
            try:
                base, measured = (
                    parse_cachegrind_out(Path(tmp, f"{x}.out").read_text()) for x in ("base", "measured")
                )
            except (OSError, ValueError):
                base, measured = (parse_cachegrind_summary(r.stderr) for r in done)
        if target != "native":
            code = "AVX2" if target == "haswell" else target
            why = (
                f"valgrind cannot run this machine's native code ({why_not_native or 'unsupported'})"
                if cpu == "auto"
                else f"cpu={target!r} was requested"
            )
            notes.append(
                f"{why}: the child was compiled for NUMBA_CPU_NAME={target}, so the counts are for "
                f"{code} code, not for the code that runs natively"
            )
        if any(_child_report(r.stdout).get("compiled") for r in done):
            notes.append("the child compiled a kernel under valgrind (Numba cache miss); counts include it")
        per_call = {k: (measured[k] - base.get(k, 0)) / calls for k in measured}
        if per_call.get("Dr", 0) < 0:
            notes.append("negative difference: start-up noise exceeds the kernel's traffic at this n")
        return CachegrindResult(
            variant,
            int(n),
            dtype.name,
            calls,
            per_call,
            target,
            geometry,
            compulsory,
            notes,
            "",
            time.perf_counter() - start,
        )
    reason = f"valgrind could not run the kernel for any of {targets}: {why_not_native}"
    return _failed(variant, n, dtype.name, calls, targets[-1], geometry, compulsory, notes, reason, start)


@dataclass(frozen=True)
class CachegrindReport:
    """Cachegrind counts for several variants, or why there are none.

    Attributes
    ----------
    results : list of CachegrindResult or None
        None when valgrind is not available.
    reason : str
        Why ``results`` is None ("" otherwise).
    """

    results: list[CachegrindResult] | None
    reason: str = ""

    def as_dict(self) -> dict:
        """Return the report as a JSON-ready dict."""
        return {
            "results": None if self.results is None else [r.as_dict() for r in self.results],
            "reason": self.reason,
        }


def cachegrind_report(
    variants: Sequence[str] = ("naive", "reordered", "blocked", "packed"),
    n: int = 256,
    dtype="float64",
    *,
    progress=None,
    **options,
) -> CachegrindReport:
    """Run :func:`cachegrind_gemm` for each variant at one size.

    Parameters
    ----------
    variants : sequence of str
    n : int
    dtype : str or dtype
    progress : callable, optional
        ``progress(done, total, label)``.
    **options
        Passed to :func:`cachegrind_gemm` (``calls``, ``ll_level``, ``cpu``, ...).

    Returns
    -------
    CachegrindReport
        ``results`` is None, with ``reason``, when valgrind is missing.
    """
    valgrind, reason = find_valgrind()
    if valgrind is None:
        return CachegrindReport(None, reason)
    results = []
    for i, variant in enumerate(variants):
        if progress is not None:
            progress(i, len(variants), f"{variant} n={n}")
        results.append(cachegrind_gemm(variant, n, dtype, **options))
    if progress is not None:
        progress(len(variants), len(variants), "done")
    return CachegrindReport(results)
