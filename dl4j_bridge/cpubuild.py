"""Which nd4j-native CPU build the JVM loads: the fastest one shipped that this CPU can run.

The Gradle build ships nd4j-native's generic ``linux-x86_64`` libraries and, beside them, an
optimised build (``linux-x86_64-avx2`` by default). JavaCPP picks among them by the system property
``org.bytedeco.javacpp.platform.extension``:

- set to ``-avx2``, it loads the AVX2 build, or the generic one when the AVX2 jar is not on the
  classpath (JavaCPP falls back by itself);
- set to the empty string, it loads the generic build;
- left unset, JavaCPP takes the *last* extension of nd4j's preset list that is on the classpath,
  whatever the CPU supports, which would crash a CPU without AVX2. So the property is always set.

The builds are compiled with ``-march=haswell`` (avx2) and ``-march=skylake-avx512`` (avx512), so
each needs the whole instruction-set family below, not only its namesake flag.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import FrozenSet, Iterable, Optional

EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension"
log = logging.getLogger(__name__)

ENV_VARIABLE = "DL4J_BRIDGE_CPU_BUILD"

_HASWELL = frozenset({"avx", "avx2", "fma", "f16c", "bmi1", "bmi2", "movbe", "popcnt"})
_SKYLAKE_X = _HASWELL | {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}
#: build name -> (JavaCPP platform extension, /proc/cpuinfo flags it needs)
BUILDS = {
    "generic": ("", frozenset()),
    "avx2": ("-avx2", _HASWELL),
    "avx512": ("-avx512", _SKYLAKE_X),
    # oneDNN builds: not shipped (python/bench/cpu_builds.py measures them from build/bench-natives)
    "onednn": ("-onednn", frozenset()),
    "onednn-avx2": ("-onednn-avx2", _HASWELL),
    "onednn-avx512": ("-onednn-avx512", _SKYLAKE_X),
}
#: the order "auto" tries them in, best first
PREFERENCE = ("avx512", "avx2", "generic")

_JAR = re.compile(r"nd4j-native-[^/]*-linux-x86_64(-[a-z0-9-]+)?\.jar$")


def cpu_flags(cpuinfo: os.PathLike = "/proc/cpuinfo") -> FrozenSet[str]:
    """The instruction-set flags of the first CPU in ``cpuinfo`` (empty when it cannot be read)."""
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def shipped_builds(classpath: Iterable[str]) -> FrozenSet[str]:
    """Names of the nd4j-native builds (keys of :data:`BUILDS`) whose jar is on ``classpath``."""
    by_extension = {ext: name for name, (ext, _) in BUILDS.items()}
    found = set()
    for jar in classpath:
        match = _JAR.search(str(jar).replace(os.sep, "/"))
        if match and (match.group(1) or "") in by_extension:
            found.add(by_extension[match.group(1) or ""])
    return frozenset(found)


def runnable(build: str, flags: FrozenSet[str]) -> bool:
    """Whether a CPU with ``flags`` can run ``build``."""
    return BUILDS[build][1] <= flags


def choose(requested: Optional[str], classpath: Iterable[str], flags: Optional[FrozenSet[str]] = None) -> str:
    """The build to load.

    Parameters
    ----------
    requested : str or None
        ``"auto"`` (or None: ``$DL4J_BRIDGE_CPU_BUILD``, else ``"auto"``) picks the best build that is
        both shipped and runnable here; a name from :data:`BUILDS` asks for that build.
    classpath : iterable of str
        The JVM's jars, to see which builds are shipped.
    flags : frozenset of str, optional
        CPU flags; default :func:`cpu_flags`.

    Returns
    -------
    str
        A key of :data:`BUILDS`. A requested build that is not shipped is returned as asked: JavaCPP
        then loads the generic build, which :func:`dl4j_bridge.jvm_info` shows.

    Raises
    ------
    ValueError
        For an unknown name, or a build this CPU cannot run (it would crash the process).
    """
    source = "" if requested else (f" (from ${ENV_VARIABLE})" if os.environ.get(ENV_VARIABLE) else "")
    requested = (requested or os.environ.get(ENV_VARIABLE) or "auto").strip().lower()
    flags = cpu_flags() if flags is None else flags
    if requested == "auto":
        shipped = shipped_builds(classpath)
        for build in PREFERENCE:
            if build in shipped and runnable(build, flags):
                return build
        return "generic"
    if requested not in BUILDS:
        raise ValueError(f"unknown CPU build {requested!r}{source}: use 'auto' or one of {sorted(BUILDS)}")
    if not runnable(requested, flags):
        missing = sorted(BUILDS[requested][1] - flags)
        raise ValueError(f"this CPU cannot run the {requested} build of nd4j-native{source} (it lacks "
                         f"{', '.join(missing)}); use cpu_build='auto' or 'generic'")
    if requested != "generic" and classpath is not None:
        shipped = shipped_builds(classpath)
        if shipped and requested not in shipped:
            log.warning("the %s build of nd4j-native%s is not among the jars of this build (%s): JavaCPP loads the "
                        "generic one, slower than 'auto' would pick; add its jar to build.gradle, or use 'auto'",
                        requested, source, ", ".join(sorted(shipped)))
    return requested


def loaded_build(library_path: str) -> str:
    """The build name of a loaded ``libnd4jcpu.so`` path (``.../bindings/linux-x86_64-avx2/...``)."""
    match = re.search(r"/linux-x86_64(-[a-z0-9-]+)?/", library_path.replace(os.sep, "/"))
    if not match:
        return "unknown"
    extension = match.group(1) or ""
    for name, (ext, _) in BUILDS.items():
        if ext == extension:
            return name
    return extension.lstrip("-")


#: ND4J's native jars: nd4j-native or nd4j-cuda-<version>, then the DL4J version, then JavaCPP's platform (e.g.
#: ``nd4j-native-1.0.0-M2.1-linux-x86_64-avx2.jar``, ``nd4j-cuda-11.6-1.0.0-M2.1-linux-x86_64.jar``).
_NATIVE_JAR = re.compile(r"nd4j-(?:native|cuda-[0-9.]+)-[0-9][^/]*?-((?:linux|macosx|windows|android|ios)-"
                         r"(?:x86_64|x86|arm64|armhf|ppc64le))(?:-[a-z0-9-]+)?\.jar$")

#: ``platform.system()`` -> JavaCPP's operating-system name; ``platform.machine()`` -> JavaCPP's architecture.
_JAVACPP_OS = {"linux": "linux", "darwin": "macosx", "windows": "windows"}
_JAVACPP_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64", "arm64": "arm64", "aarch64": "arm64",
                 "ppc64le": "ppc64le", "armv7l": "armhf", "i386": "x86", "i686": "x86", "x86": "x86"}


def javacpp_platform(system: Optional[str] = None, machine: Optional[str] = None) -> str:
    """This machine's platform as JavaCPP names its native jars (``linux-x86_64``, ``macosx-arm64``,
    ``windows-x86_64``): what the natives on the classpath must be built for. The Python process's own
    architecture is the JVM's (JPype loads the JVM into this process)."""
    import platform

    system = (platform.system() if system is None else system).lower()
    machine = (platform.machine() if machine is None else machine).lower()
    return f"{_JAVACPP_OS.get(system, system)}-{_JAVACPP_ARCH.get(machine, machine)}"


def native_platforms(classpath: Iterable[str]) -> FrozenSet[str]:
    """The JavaCPP platforms (``linux-x86_64``, ...) of the ND4J native jars on ``classpath``."""
    found = set()
    for jar in classpath:
        match = _NATIVE_JAR.search(os.path.basename(str(jar)))
        if match:
            found.add(match.group(1))
    return frozenset(found)


def native_platform_problem(classpath: Iterable[str], here: Optional[str] = None) -> Optional[str]:
    """Why ND4J cannot load its native libraries on this machine from ``classpath``, or None.

    Checked before the JVM starts: otherwise the first use of ND4J fails with JavaCPP's ``UnsatisfiedLinkError``
    ("no jnind4jcpu in java.library.path") deep in a stack trace. A classpath without any ND4J native jar (the
    user's own) is not judged: None.
    """
    shipped = native_platforms(classpath)
    here = javacpp_platform() if here is None else here
    if not shipped or here in shipped:
        return None
    return (f"this dl4j-bridge build ships ND4J's native libraries for {', '.join(sorted(shipped))} only, and this "
            f"machine is {here}: the JVM cannot load them. Build the jars for this machine with "
            f"`gradle -PnativeClassifier={here} installDist` (README, 'Platforms': that platform's natives must "
            "exist for DL4J 1.0.0-M2.1, which is not checked here), or run on Linux x86_64 (a Linux VM, WSL 2 or "
            "a Docker container)")
