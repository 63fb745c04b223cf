"""Out-of-memory errors on the JVM: which limit was hit, and getting the memory back afterwards.

ND4J's arrays live outside the Java heap. JavaCPP bounds that native memory with two settings that
:func:`dl4j_bridge.start_jvm` passes: ``max_bytes`` (``org.bytedeco.javacpp.maxbytes``: the bytes of the
pointers JavaCPP tracks) and ``max_physical_bytes`` (``maxphysicalbytes``: the resident size of the whole
process, checked whenever JavaCPP allocates). With DL4J 1.0.0-M2.1 on CPU, libnd4j allocates the arrays'
buffers itself, so only ``max_physical_bytes`` bounds them; ``max_bytes`` counts the small pointers around
them (shape descriptors, op arguments). ``heap`` bounds the Java objects.
"""

from __future__ import annotations

import ctypes
import logging
import re
from typing import Optional, Tuple

from .errors import NEW_PROCESS

log = logging.getLogger(__name__)

#: Words of the Java message for each limit, most specific first.
_SIGNS = (
    ("max_physical_bytes", ("maxPhysicalBytes", "Physical memory usage is too high")),
    ("max_bytes", ("maxBytes",)),
    ("heap", ("Java heap space", "GC overhead limit exceeded", "Requested array size exceeds VM limit")),
)
_WHAT = {
    "max_physical_bytes": "The resident memory of the process reached its limit",
    "max_bytes": "The native memory JavaCPP tracks reached its limit",
    "heap": "The Java heap is full",
}


#: A trace whose out-of-memory error was thrown while ND4J's classes were being initialised (``Nd4j.<clinit>``, the
#: first ND4J call of the process): ND4J is then unusable in this process, and has no workspaces to release.
_ND4J_INIT = re.compile(r"\bat org\.nd4j\.[\w.$]+\.<clinit>")


def failed_nd4j_initialisation(java_text: str) -> bool:
    """Whether the out-of-memory error of ``java_text`` (a Java stack trace) stopped ND4J's initialisation.

    Parameters
    ----------
    java_text : str

    Returns
    -------
    bool
    """
    return bool(_ND4J_INIT.search(java_text or ""))


def out_of_memory_advice(java_text: str, config) -> Tuple[Optional[str], str]:
    """The start_jvm setting that an ``OutOfMemoryError`` hit, and what to do.

    Parameters
    ----------
    java_text : str
        The Java stack trace, causes included (JavaCPP puts the limit in the innermost cause).
    config : JVMConfig or None
        The running JVM's configuration, to quote the current value.

    Returns
    -------
    (setting or None, advice)
    """
    for setting, signs in _SIGNS:
        if any(sign in java_text for sign in signs):
            now = getattr(config, setting, None) if config is not None else None
            value = f"={now!r}" if now is not None else " (JavaCPP's default)"
            if failed_nd4j_initialisation(java_text):
                # the first ND4J call: the limit was reached by what the process held already (Python's data
                # included), and ND4J cannot be initialised again in this process
                return setting, (f"{_WHAT[setting]} before ND4J could even start (its first use in this process, "
                                 f"whose memory, Python's data included, counts against the limit): "
                                 f"start_jvm({setting}{value}). ND4J cannot be used in this process any more: raise "
                                 f"{setting} in start_jvm, in {NEW_PROCESS}")
            return setting, (f"{_WHAT[setting]}: start_jvm({setting}{value}). Raise {setting} in start_jvm "
                             f"(it is fixed when the JVM starts: use {NEW_PROCESS}), or work in smaller batches")
    return None, ("raise start_jvm(heap=...) for Java objects, or max_physical_bytes / max_bytes for ND4J's "
                  f"native memory (fixed when the JVM starts: use {NEW_PROCESS}), or work in smaller batches")


def release_after_out_of_memory(java_text: str = "") -> None:
    """Give memory back after an out-of-memory error, so that smaller work can go on in this process.

    Destroys the calling thread's ND4J workspaces (DL4J sizes them for the largest batch seen and keeps
    them; they are re-created on demand), runs the Java garbage collector (arrays of the failed call), and
    returns freed native memory to the system (``malloc_trim``; JavaCPP's ``max_physical_bytes`` check reads
    the resident size). Best effort: never raises.

    Parameters
    ----------
    java_text : str, optional
        The error's Java stack trace. When the error stopped ND4J's initialisation
        (:func:`failed_nd4j_initialisation`) there are no workspaces, and touching ND4J again would only raise
        ``NoClassDefFoundError: Could not initialize class org.nd4j.linalg.factory.Nd4j`` (which had been logged
        as a warning before the error itself).
    """
    try:
        import jpype

        if not failed_nd4j_initialisation(java_text):
            jpype.JClass("org.nd4j.linalg.factory.Nd4j").getWorkspaceManager().destroyAllWorkspacesForCurrentThread()
        jpype.JClass("java.lang.System").gc()
    except Exception as exc:  # the error being reported matters more than this clean-up
        log.warning("could not release ND4J memory after an out-of-memory error: %s", exc)
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def return_freed_memory() -> bool:
    """Hand the native memory the process has freed back to the system (glibc's ``malloc_trim(0)``).

    A long ``score`` run allocates and frees each part's arrays and frames (megabytes per part, in Python's,
    numpy's, pandas' and the JVM's native allocations); glibc keeps much of what is freed in its heaps. Trimming
    now and then lowered the resident size of ``score --input -`` on 5 million generated syslog lines by 30-55 MiB
    at the same line count (e.g. 533 -> 480 MiB at 2.5-3 million lines); it does not stop the slow growth that
    remains (~30 MiB per million lines, see the README). Best effort: does nothing on a C library without
    ``malloc_trim``.

    Returns
    -------
    bool
        Whether the trim ran (glibc).
    """
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):   # not glibc
        return False
    trim(0)
    return True
