"""Out of memory on the JVM: a typed error naming the setting, and the process stays usable (issue 7, point 7).

Each test has its own process (memory limits are fixed when the JVM starts). With DL4J 1.0.0-M2.1 on CPU,
ND4J's array buffers are bounded by ``max_physical_bytes`` (JavaCPP's check of the process's resident size);
``max_bytes`` only counts the small pointers JavaCPP tracks, so it cannot stop a large batch (see memory.py).
"""

from __future__ import annotations

from bridge_testing import assert_ok, run_python

_SETUP = """
    import numpy as np
    import dl4j_bridge as db
    rng = np.random.default_rng(0)
    small = rng.normal(size=(8, 20, 3)).astype(np.float32)
    big = rng.normal(size=(4096, 200, 3)).astype(np.float32)     # ~1 GB of LSTM activations (128 units)
"""


def test_offheap_out_of_memory_is_typed_names_the_setting_and_a_smaller_batch_still_works(dist, tmp_path):
    # reference: the same saved model at the default limits, in its own process
    model = tmp_path / "net.zip"
    reference = tmp_path / "reference.npy"
    assert_ok(run_python(_SETUP + f"""
    db.start_jvm(heap="1g", threads=1)
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(128,)))
    net.save({str(model)!r})
    np.save({str(reference)!r}, net.predict_proba(small))
    """))
    out = assert_ok(run_python(_SETUP + f"""
    db.start_jvm(heap="1g", threads=1, max_physical_bytes="700m")
    net = db.Network.load({str(model)!r})
    for attempt in range(2):                          # twice: recovery is not a one-off
        try:
            net.predict_proba(big)
            print("NO ERROR")
        except db.JavaOutOfMemoryError as e:
            assert isinstance(e, MemoryError) and e.java_class == "java.lang.OutOfMemoryError"
            assert "OutOfMemoryError" in e.java_stacktrace
            print("OOM", e.setting, "|", e)
        after = net.predict_proba(small)
        print("SMALL SAME", np.array_equal(after, np.load({str(reference)!r})))
    """, timeout=600))
    assert out.count("OOM max_physical_bytes") == 2 and "NO ERROR" not in out, out
    assert "start_jvm(max_physical_bytes='700m')" in out and "Raise max_physical_bytes" in out, out
    assert out.count("SMALL SAME True") == 2, out


def test_heap_out_of_memory_is_typed_names_heap_and_the_process_goes_on(dist):
    out = assert_ok(run_python(_SETUP + """
    import jpype
    from dl4j_bridge.javaerrors import java_errors
    db.start_jvm(heap="64m", threads=1)
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    before = net.predict_proba(small)
    try:
        with java_errors():
            jpype.JArray(jpype.JFloat)(100_000_000)          # 400 MB on a 64 MB heap
        print("NO ERROR")
    except db.JavaOutOfMemoryError as e:
        print("OOM", e.setting, "|", e)
    print("SAME", np.array_equal(net.predict_proba(small), before))
    """))
    assert "OOM heap" in out and "Java heap space" in out and "start_jvm(heap='64m')" in out, out
    assert "SAME True" in out and "NO ERROR" not in out, out


def test_out_of_memory_advice_for_each_limit():
    """JavaCPP's and the JVM's own messages (javacpp 1.5.7 Pointer, OpenJDK) map to the setting to raise."""
    from dl4j_bridge.memory import out_of_memory_advice
    from dl4j_bridge.session import JVMConfig

    config = JVMConfig(classpath=(), heap="2g", max_bytes="1g", max_physical_bytes=None)
    cases = {
        "Failed to allocate memory within limits: totalBytes (1G) + size (8M) > maxBytes (1G)": "max_bytes",
        "Physical memory usage is too high: physicalBytes (9G) > maxPhysicalBytes (8G)": "max_physical_bytes",
        "java.lang.OutOfMemoryError: Java heap space": "heap",
        "java.lang.OutOfMemoryError: GC overhead limit exceeded": "heap",
    }
    for text, setting in cases.items():
        got, advice = out_of_memory_advice(text, config)
        assert got == setting and f"Raise {setting}" in advice, (text, got, advice)
    assert "max_bytes='1g'" in out_of_memory_advice(next(iter(cases)), config)[1]
    assert "JavaCPP's default" in out_of_memory_advice("Physical memory usage is too high", config)[1]
    got, advice = out_of_memory_advice("unable to create native thread", config)
    assert got is None and "heap" in advice and "max_physical_bytes" in advice


def test_out_of_memory_while_nd4j_starts_says_so_without_a_spurious_warning(dist):
    """A process already over max_physical_bytes (Python's data counts) when ND4J is first used: the error came
    from Nd4j.<clinit>, and the clean-up then touched Nd4j again, logging "could not release ND4J memory ...
    NoClassDefFoundError: Could not initialize class org.nd4j.linalg.factory.Nd4j" before the typed error."""
    proc = run_python("""
    import logging
    import numpy as np
    import jpype
    import dl4j_bridge as db
    from dl4j_bridge.javaerrors import java_errors
    logging.basicConfig(level=logging.WARNING, format="LOGGED %(name)s: %(message)s")
    db.start_jvm(threads=1, max_physical_bytes="300m")
    ballast = np.ones(400 << 20, dtype=np.uint8)     # resident: over the limit before ND4J's first use
    try:
        with java_errors():
            jpype.JClass("org.nd4j.linalg.factory.Nd4j").zeros(2)
        print("NO ERROR")
    except db.JavaOutOfMemoryError as e:
        print("OOM", e.setting, "|", e)
    """, timeout=300)
    out = assert_ok(proc)
    assert "OOM max_physical_bytes" in out and "NO ERROR" not in out, out
    assert "LOGGED" not in proc.stderr and "NoClassDefFoundError" not in proc.stderr + out, proc.stderr[-3000:]
    assert "before ND4J could even start" in out and "ND4J cannot be used in this process any more" in out, out


def test_out_of_memory_advice_while_nd4j_starts():
    from dl4j_bridge.memory import failed_nd4j_initialisation, out_of_memory_advice
    from dl4j_bridge.session import JVMConfig

    config = JVMConfig(classpath=(), heap="2g", max_bytes=None, max_physical_bytes="300m")
    trace = ("java.lang.OutOfMemoryError: Physical memory usage is too high: physicalBytes (518M) > maxPhysicalBytes "
             "(300M)\n\tat org.bytedeco.javacpp.Pointer.deallocator(Pointer.java:700)\n"
             "\tat org.nd4j.linalg.factory.Nd4j.<clinit>(Nd4j.java:284)\n")
    assert failed_nd4j_initialisation(trace)
    setting, advice = out_of_memory_advice(trace, config)
    assert setting == "max_physical_bytes" and "before ND4J could even start" in advice, advice
    assert "start_jvm(max_physical_bytes='300m')" in advice and "smaller batches" not in advice, advice
    later = trace.replace("org.nd4j.linalg.factory.Nd4j.<clinit>", "org.nd4j.linalg.factory.Nd4j.create")
    assert not failed_nd4j_initialisation(later)
    assert "smaller batches" in out_of_memory_advice(later, config)[1]
