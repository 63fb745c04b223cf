"""``dl4j-bridge doctor``: is this machine ready? Prints what it finds; says why when it is not."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from typing import List, Tuple

from .errors import Dl4jBridgeError


#: What to do about the launcher's Java (the launcher's start script gives the same advice).
JAVA_ADVICE = ("point JAVA_HOME at a JDK 11 or newer (17 is tested) or unset it to use the PATH's java; or install "
               "one: apt-get install openjdk-17-jdk-headless")
#: The oldest Java the launcher (bin/dl4j-bridge) runs on.
MIN_JAVA = 11

_VERSION = re.compile(r' version "([^"]*)"')


def _java_command() -> Tuple[str | None, str]:
    """The ``java`` the launcher (and JPype) runs: ``$JAVA_HOME/bin/java`` when JAVA_HOME is set, else the PATH's."""
    home = os.environ.get("JAVA_HOME")
    if home:
        # Windows' is bin\java.exe (os.access on "bin\java" saw none there, and doctor said NOT READY)
        names = ("java.exe", "java") if sys.platform == "win32" else ("java",)
        java = next((path for path in (os.path.join(home, "bin", name) for name in names)
                     if os.path.isfile(path) and os.access(path, os.X_OK)), os.path.join(home, "bin", names[0]))
        if not os.access(java, os.X_OK):
            return None, (f"JAVA_HOME={home} has no bin/java: the launcher (bin/dl4j-bridge) will not start, and "
                          "Python may quietly use another Java; point JAVA_HOME at a JDK 11+ or unset it")
        return java, f"JAVA_HOME={home}"
    java = shutil.which("java")
    if java is None:
        return None, "no `java` on PATH: install a JDK 11+ (e.g. apt-get install openjdk-17-jdk-headless)"
    return java, "PATH"


def java_major(version: str) -> int | None:
    """The feature release of a ``java -version`` string: ``1.8.0_292`` -> 8, ``17.0.15`` -> 17, ``21-ea`` -> 21."""
    parts = version.split(".")
    head = parts[1] if parts[0] == "1" and len(parts) > 1 else parts[0]
    digits = re.match(r"[0-9]+", head)
    return int(digits.group()) if digits else None


def _java_version() -> Tuple[bool, str]:
    """``(usable, line)``: the launcher's java, its version line and where it comes from, or what is wrong."""
    java, where = _java_command()
    if java is None:
        return False, where
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{java} -version could not run ({exc}) (from {where}): {JAVA_ADVICE}"
    # JAVA_TOOL_OPTIONS makes every JVM print "Picked up JAVA_TOOL_OPTIONS: ..." first (_JAVA_OPTIONS likewise)
    lines = [line.strip() for line in (out.stderr + "\n" + out.stdout).splitlines()
             if line.strip() and not line.startswith("Picked up ")]
    if out.returncode != 0:
        said = "; ".join(lines[:3]) or "nothing"
        return False, (f"{java} -version fails (exit {out.returncode}, from {where}), it says: {said}. The launcher "
                       f"(bin/dl4j-bridge) will not start: {JAVA_ADVICE}")
    first = lines[0] if lines else "java -version printed nothing"
    match = next((m for m in map(_VERSION.search, lines) if m), None)
    major = java_major(match.group(1)) if match else None
    if major is not None and major < MIN_JAVA:
        return False, (f"{first} (from {where}) is older than Java {MIN_JAVA}: the launcher (bin/dl4j-bridge) refuses "
                       f"it, and Python may quietly use another Java; {JAVA_ADVICE}")
    return True, f"{first} (from {where})"


def run(stream=None) -> int:
    """Check the Java runtime, the build, the ND4J backend and the memory limits.

    Returns
    -------
    int
        0 when everything works, 1 otherwise (the reasons are printed).
    """
    stream = stream or sys.stdout
    problems: List[str] = []

    def show(key, value):
        print(f"{key:28s} {value}", file=stream)

    from .version import build_identity

    show("dl4j_bridge", build_identity() + f" ({os.path.dirname(os.path.abspath(__file__))})")
    ok, java = _java_version()
    show("java", java)
    if not ok:
        problems.append(java)

    from . import session

    try:
        lib = session.find_lib_dir()
        show("build", str(lib))
    except Dl4jBridgeError as exc:
        problems.append(str(exc))
        lib = None

    try:
        import jpype  # noqa: F401  (what Python starts the JVM with)
        jpype_ok = True
    except ImportError as exc:
        jpype_ok = False
        problems.append(f"JPype, which Python runs the JVM with, cannot be imported ({exc}): pip install JPype1 "
                        "(in a checkout: make setup, or pip install -e '.[dev,report]')")

    from .errors import MissingExtraError
    from .detectors.run import REPORT_MODULES, require_report_extras

    try:
        require_report_extras("dl4j-bridge train (and evaluate)")
        show("report extra", ", ".join(sorted(REPORT_MODULES.values())))
    except MissingExtraError as exc:   # train failed late on it, after a detector's training, while doctor said ready
        show("report extra", "missing")
        problems.append(f"{exc}; score does not need it")

    if lib is not None and ok and jpype_ok:
        try:
            config = session.start_jvm()
            show("classpath", f"{len(config.classpath)} jars in {lib}")
            show("jvm options", " ".join(config.jvm_arguments()))
            for key, value in session.jvm_info().items():
                show(key, value)
                if key == "nd4j.backend.class" and value == "":
                    problems.append("no ND4J backend loaded")
        except BrokenPipeError:   # the report's reader went away, not a failure of the JVM
            raise
        except Exception as exc:  # report every failure, whatever its type
            problems.append(f"the JVM or ND4J failed to start: {exc}")

    if problems:
        print("\nNOT READY:", file=stream)
        for p in problems:
            print(f"  - {p}", file=stream)
        return 1
    print("\nready", file=stream)
    return 0
