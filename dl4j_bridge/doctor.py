"""``dl4j-bridge doctor``: is this machine ready? Prints what it finds; says why when it is not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import List, Tuple

from .errors import Dl4jBridgeError


def _java_command() -> Tuple[str | None, str]:
    """The ``java`` the launcher (and JPype) runs: ``$JAVA_HOME/bin/java`` when JAVA_HOME is set, else the PATH's."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = os.path.join(home, "bin", "java")
        if not os.access(java, os.X_OK):
            return None, (f"JAVA_HOME={home} has no bin/java: the launcher (bin/dl4j-bridge) will not start, and "
                          "Python may quietly use another Java; point JAVA_HOME at a JDK 11+ or unset it")
        return java, f"JAVA_HOME={home}"
    java = shutil.which("java")
    if java is None:
        return None, "no `java` on PATH: install a JDK 11+ (e.g. apt-get install openjdk-17-jdk-headless)"
    return java, "PATH"


def _java_version() -> Tuple[bool, str]:
    java, where = _java_command()
    if java is None:
        return False, where
    out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    first = (out.stderr or out.stdout).strip().splitlines()
    return out.returncode == 0, (first[0] if first else "java -version printed nothing") + f" (from {where})"


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

    if lib is not None and ok:
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
