"""JVM lifecycle. Each test spawns its own Python process: a JVM cannot be restarted in one process."""

from __future__ import annotations

import pytest

from bridge_testing import assert_ok, run_python


def test_start_is_idempotent_and_returns_the_same_config(dist):
    out = assert_ok(run_python("""
        import dl4j_bridge as db
        a = db.start_jvm(heap="1g", threads=1)
        b = db.start_jvm()                   # nothing asked: the running JVM is fine
        c = db.start_jvm(heap="1g", threads=1)
        assert a is b is c, (a, b, c)
        print("OK", a.heap, a.threads)
    """))
    assert "OK 1g 1" in out


def test_second_start_with_another_configuration_is_a_typed_error(dist):
    out = assert_ok(run_python("""
        import dl4j_bridge as db
        db.start_jvm(heap="1g")
        try:
            db.start_jvm(heap="3g")
        except db.JVMConfigurationError as e:
            print("RAISED", e)
        else:
            print("NO ERROR")
    """))
    assert "RAISED" in out and "heap" in out and "'1g'" in out and "'3g'" in out
    assert "in a notebook: restart the kernel" in out   # "a new process" is the kernel, for a notebook user


def test_bad_arguments_are_refused_before_the_jvm_starts(dist):
    # A heap the JVM refuses ends the whole process ("Too small maximum heap"); a bad option leaves JPype
    # unable to start a JVM at all: both are checked first, so the same process can still start one.
    out = assert_ok(run_python("""
        import dl4j_bridge as db
        for kwargs in (dict(heap=2048), dict(heap="lots"), dict(heap="1m"), dict(max_bytes="8 GB"),
                       dict(jvm_options="-Dfoo=1"), dict(jvm_options=["foo"]), dict(threads="2"),
                       dict(threads=0), dict(max_bytes="1k")):
            try:
                db.start_jvm(**kwargs)
            except db.JVMConfigurationError as e:
                print("REFUSED", sorted(kwargs)[0], "|", e)
            else:
                print("STARTED", kwargs)
        config = db.start_jvm(heap="1g")
        print("RUNNING", config.heap)
    """))
    assert out.count("REFUSED") == 9 and "STARTED" not in out, out
    # a max_bytes of 1k made a fit crawl for minutes in JavaCPP's retries, deaf to Ctrl-C
    assert "max_bytes='1k' is too small" in out and "crawls for minutes" in out
    assert "RUNNING 1g" in out
    assert "heap must be a size string such as '4g'" in out and "at least '64m'" in out
    assert "wrap it in a list" in out and "threads must be an integer >= 1" in out


def test_sizes_are_compared_as_bytes_and_a_classpath_string_is_split_like_java_does(dist):
    out = assert_ok(run_python(f"""
        import os, dl4j_bridge as db
        lib = {str(dist / "lib")!r}
        a = db.start_jvm(classpath=os.path.join(lib, "*") + os.pathsep, heap="1g", max_bytes="2048m")
        b = db.start_jvm(heap="1024m", max_bytes="2g")
        c = db.start_jvm(heap="1G")
        print("SAME", a is b is c, len(a.classpath) > 10)
        try:
            db.start_jvm(heap="1025m")
        except db.JVMConfigurationError as e:
            print("RAISED", e)
    """))
    assert "SAME True True" in out
    assert "RAISED" in out and "'1025m'" in out


def test_an_option_the_jvm_refuses_is_a_typed_error_and_no_retry_in_the_process(dist):
    out = assert_ok(run_python("""
        import dl4j_bridge as db
        for attempt in (["-XX:+NoSuchOptionAnywhere"], []):
            try:
                db.start_jvm(jvm_options=attempt)
            except db.JVMConfigurationError as e:
                print("RAISED", e)
    """))
    assert out.count("RAISED") == 2, out
    assert "did not start with the options" in out and "NoSuchOptionAnywhere" in out
    assert "failed to start" in out and "new process" in out
    assert out.count("in a notebook: restart the kernel") == 2, out


def test_threads_and_offheap_limits_are_set_before_start(dist):
    out = assert_ok(run_python("""
        import os, dl4j_bridge as db
        os.environ.pop("OMP_NUM_THREADS", None)
        db.start_jvm(threads=1, max_bytes="3g", max_physical_bytes="5g", heap="1g")
        info = db.jvm_info()
        print("omp", info["nd4j.omp.threads"], info["env.OMP_NUM_THREADS"])
        print("max", info["offheap.max.bytes"], info["offheap.maxphysical.bytes"], info["heap.max.bytes"])
    """, env={"OMP_NUM_THREADS": "2"}))
    assert "omp 1 1" in out
    assert f"max {3 * 2**30} {5 * 2**30} {2**30}" in out


def test_missing_build_names_the_command_that_builds_it(tmp_path):
    out = assert_ok(run_python("""
        import dl4j_bridge as db
        try:
            db.start_jvm()
        except db.BuildNotFoundError as e:
            print("RAISED", e)
    """, env={"DL4J_BRIDGE_HOME": str(tmp_path)}))
    assert "RAISED" in out and "make build" in out and "gradle installDist" in out and str(tmp_path) in out


def test_objects_before_start_raise_not_started(dist):
    out = assert_ok(run_python("""
        import dl4j_bridge as db
        try:
            db.Network(db.LSTMConfig(n_in=2, n_out=2))
        except db.JVMNotStartedError as e:
            print("RAISED", e)
    """))
    assert "RAISED" in out and "start_jvm" in out


def test_a_jvm_started_by_jpype_itself_is_named_not_called_unstarted(dist):
    out = assert_ok(run_python("""
        import jpype, dl4j_bridge as db
        jpype.startJVM()
        for attempt in (lambda: db.start_jvm(), lambda: db.Network(db.LSTMConfig(n_in=2, n_out=2))):
            try:
                attempt()
            except (db.JVMConfigurationError, db.JVMNotStartedError) as e:
                print("RAISED", type(e).__name__, e)
    """))
    assert out.count("RAISED") == 2 and out.count("outside dl4j_bridge (jpype.startJVM)") == 2, out
    assert "call dl4j_bridge.start_jvm() first" not in out


def test_a_copied_install_missing_or_damaging_a_jar_names_it(dist, tmp_path):
    import shutil

    home = tmp_path / "dl4j-bridge"
    shutil.copytree(dist, home)
    openblas = sorted((home / "lib").glob("openblas-*-linux-x86_64.jar"))[0]
    openblas.unlink()
    guava = sorted((home / "lib").glob("guava-*.jar"))[0]
    guava.write_bytes(guava.read_bytes()[:1000])     # a copy cut short
    code = """
        import dl4j_bridge as db
        try:
            db.start_jvm()
        except db.BuildNotFoundError as e:
            print("RAISED", e)
    """
    out = assert_ok(run_python(code, env={"DL4J_BRIDGE_HOME": str(home)}))
    assert "RAISED jars in" in out and guava.name in out and "make build" in out, out
    guava.unlink()
    out = assert_ok(run_python(code, env={"DL4J_BRIDGE_HOME": str(home)}))
    assert "RAISED 2 jars are missing from" in out and openblas.name in out and guava.name in out, out
    assert "copy the whole install" in out


def test_a_second_start_with_another_classpath_names_the_difference_not_every_jar(dist, tmp_path):
    import shutil

    home = tmp_path / "copy"
    shutil.copytree(dist, home)
    extra = home / "lib" / "extra-1.0.jar"
    shutil.copy(sorted((home / "lib").glob("slf4j-api-*.jar"))[0], extra)
    out = assert_ok(run_python(f"""
        import dl4j_bridge as db
        db.start_jvm()
        try:
            db.start_jvm(home={str(home)!r})
        except db.JVMConfigurationError as e:
            print("RAISED", e)
    """))
    assert "RAISED" in out and "only in the one asked: extra-1.0.jar" in out, out
    assert str(home / "lib") in out and len(out) < 1000, out


def test_sigterm_ends_a_process_with_a_jvm_as_any_python_program_without_a_crash(dist, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import textwrap
    import time

    code = textwrap.dedent("""
        import sys, time, signal, dl4j_bridge as db
        if sys.argv[1] == "handler":    # the program's own handler is kept
            def bye(number, frame):
                print("HANDLER", number, flush=True)
                sys.exit(7)
            signal.signal(signal.SIGTERM, bye)
        if sys.argv[1] == "thread":     # started in another thread: there the JVM runs with -Xrs
            import threading
            starter = threading.Thread(target=lambda: db.start_jvm(heap="256m"))
            starter.start()
            starter.join()
            assert "-Xrs" in db.session.running_config().jvm_arguments()
            db.Network(db.LSTMConfig(n_in=2, n_out=2))   # ND4J found from the main thread (its class loader)
        else:
            db.start_jvm(heap="256m")
            assert "-Xrs" not in db.session.running_config().jvm_arguments()
        print("STARTED", flush=True)
        time.sleep(60)
    """)
    for mode, expected in (("default", -signal.SIGTERM), ("handler", 7), ("thread", -signal.SIGTERM)):
        proc = subprocess.Popen([sys.executable, "-c", code, mode], cwd=tmp_path, stdout=subprocess.PIPE, text=True,
                                env={k: v for k, v in os.environ.items() if k != "DL4J_BRIDGE_HOME"})
        assert proc.stdout.readline().strip() == "STARTED"
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == expected, (mode, proc.returncode, out)   # was 134: SIGSEGV in the JVM's handler
        assert not list(tmp_path.glob("hs_err_pid*.log"))
        if mode == "handler":
            assert "HANDLER 15" in out


def test_doctor_reports_and_exits_zero_when_ready(dist):
    proc = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(['doctor']))")
    out = assert_ok(proc)
    for key in ("java", "classpath", "dl4j.version", "nd4j.backend", "heap.max.bytes", "offheap.max.bytes"):
        assert key in out
    from dl4j_bridge.version import build_identity
    assert f"dl4j_bridge                  {build_identity()} (" in out   # which code, from where
    assert "1.0.0-M2.1" in out and "CPU" in out and out.rstrip().endswith("ready")
    assert "report extra                 matplotlib, scikit-learn" in out


def test_doctor_into_a_closed_pipe_is_quiet(dist):
    code = ("import os, sys; from dl4j_bridge.cli import main\n"
            "r, w = os.pipe(); os.close(r); os.dup2(w, 1)\n"
            "sys.exit(main(['doctor']))")
    proc = run_python(code)
    assert proc.returncode == 141, proc.stderr
    assert "Traceback" not in proc.stderr and "NOT READY" not in proc.stderr, proc.stderr


def test_doctor_exits_nonzero_with_the_reason(tmp_path):
    proc = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(['doctor']))",
                      env={"DL4J_BRIDGE_HOME": str(tmp_path)})
    assert proc.returncode == 1
    assert "NOT READY" in proc.stdout and "make build" in proc.stdout


def test_doctor_fails_on_a_java_home_without_java_which_the_launcher_would_refuse(tmp_path):
    proc = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(['doctor']))",
                      env={"JAVA_HOME": str(tmp_path / "no-jdk")})
    assert proc.returncode == 1
    assert "NOT READY" in proc.stdout and f"JAVA_HOME={tmp_path / 'no-jdk'} has no bin/java" in proc.stdout


def _fake_java_home(home, script):
    """A JAVA_HOME whose bin/java is the sh ``script``: a broken or old Java, without installing one."""
    java = home / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\n" + script)
    java.chmod(0o755)
    return str(home)


def test_doctor_refuses_a_java_older_than_11_which_the_launcher_refuses(tmp_path, monkeypatch):
    from dl4j_bridge import doctor

    home = _fake_java_home(tmp_path / "jdk8", 'echo \'java version "1.8.0_292"\' >&2\n'
                                              'echo "Java(TM) SE Runtime Environment (build 1.8.0_292-b10)" >&2\n')
    monkeypatch.setenv("JAVA_HOME", home)
    ok, line = doctor._java_version()
    assert not ok
    assert line.startswith(f'java version "1.8.0_292" (from JAVA_HOME={home}) is older than Java 11')
    assert "apt-get install openjdk-17-jdk-headless" in line and "JAVA_HOME" in line
    # and the whole doctor says so, before any JVM starts
    proc = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(['doctor']))",
                      env={"JAVA_HOME": home})
    assert proc.returncode == 1 and "NOT READY" in proc.stdout and "older than Java 11" in proc.stdout, proc.stdout


def test_doctor_java_version_parsing():
    from dl4j_bridge.doctor import java_major

    assert [java_major(v) for v in ("1.8.0_292", "1.7", "9.0.4", "10.0.2", "11", "17.0.15", "21-ea", "x")] == \
        [8, 7, 9, 10, 11, 17, 21, None]


def test_doctor_shows_the_version_not_the_picked_up_line_of_java_tool_options(tmp_path, monkeypatch):
    from dl4j_bridge import doctor

    home = _fake_java_home(tmp_path / "jdk17", 'echo "Picked up JAVA_TOOL_OPTIONS: -Dx=1" >&2\n'
                                               'echo \'openjdk version "17.0.15" 2025-04-15\' >&2\n')
    monkeypatch.setenv("JAVA_HOME", home)
    assert doctor._java_version() == (True, f'openjdk version "17.0.15" 2025-04-15 (from JAVA_HOME={home})')
    monkeypatch.delenv("JAVA_HOME")     # the real java, when there is one
    monkeypatch.setenv("JAVA_TOOL_OPTIONS", "-Ddl4jbridge.doctor.test=1")
    import shutil
    if shutil.which("java"):
        ok, line = doctor._java_version()
        assert ok and "Picked up" not in line and " version " in line, line


def test_doctor_says_what_to_do_about_a_java_that_does_not_start(tmp_path, monkeypatch):
    from dl4j_bridge import doctor

    home = _fake_java_home(tmp_path / "broken", 'echo "Error: could not open libjvm" >&2\nexit 1\n')
    monkeypatch.setenv("JAVA_HOME", home)
    ok, line = doctor._java_version()
    assert not ok and f"{home}/bin/java -version fails (exit 1, from JAVA_HOME={home})" in line, line
    assert "Error: could not open libjvm" in line and "apt-get install openjdk-17-jdk-headless" in line


def _doctor_without(module: str):
    """``dl4j-bridge doctor`` in a process where ``module`` cannot be imported (as if not installed)."""
    proc = run_python(f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == {module!r}:
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        sys.meta_path.insert(0, Block())
        from dl4j_bridge.cli import main
        sys.exit(main(['doctor']))
    """)
    assert proc.returncode == 1 and "NOT READY" in proc.stdout, (proc.stdout, proc.stderr[-2000:])
    return proc


def test_doctor_without_jpype_says_to_install_it(dist):
    proc = _doctor_without("jpype")
    assert "No module named 'jpype'" in proc.stdout and "pip install JPype1" in proc.stdout, proc.stdout


def test_doctor_without_the_report_extra_says_train_needs_it(dist):
    """doctor said ready while train failed on a missing scikit-learn after training its first detector."""
    proc = _doctor_without("sklearn")
    assert "report extra                 missing" in proc.stdout
    assert "needs scikit-learn (the 'report' extra" in proc.stdout and "score does not need it" in proc.stdout


# -- shutdown, missing Java, exit, finalizers, fork (issue 7, point 5 and the fork part of point 6) -----------

def _assert_silent_exit(proc):
    """Exit code 0 and nothing at all on stderr: no traceback, no "Exception ignored", no JPype warning."""
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-4000:]}"
    assert proc.stderr == "", f"stderr is not empty:\n{proc.stderr[-4000:]}"


# Small, fast, seeded: a network and a next-event detector that train in a second or two.
_TINY_MODELS = """
    import numpy as np
    import dl4j_bridge as db
    from dl4j_bridge.detectors import NextEventDetector, load_detector, sequence_batch

    def windows(n, seed):
        rng = np.random.default_rng(seed)
        ids = (rng.integers(0, 4, size=n)[:, None] + np.arange(9)[None, :]) % 4 + 1
        return sequence_batch(np.eye(6, dtype=np.float32)[ids[:, :8]], step_ids=ids[:, :8], next_ids=ids[:, 8])

    X = np.random.default_rng(0).normal(size=(16, 6, 3)).astype(np.float32)
    Y = (X[..., 0] > 0).astype(np.int64)
"""


def test_shutdown_jvm_then_every_use_is_a_typed_error_that_says_use_a_new_process(dist, tmp_path):
    out = assert_ok(run_python(_TINY_MODELS + f"""
    import gc, threading
    from dl4j_bridge import arrays
    db.start_jvm(heap="1g", threads=1)
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    net.fit(X, Y, epochs=1, batch_size=8, progress=False)
    net.save({str(tmp_path / "net.zip")!r})
    det = NextEventDetector(top_g=2, hidden_sizes=(8,), epochs=1, n_events=6, patience=0).fit(windows(40, 1))
    det.save({str(tmp_path / "det.zip")!r})
    worker = threading.Thread(target=net.predict_proba, args=(X,)); worker.start(); worker.join()

    db.shutdown_jvm()
    db.shutdown_jvm()                       # a second call is a no-op
    assert db.running_config() is None
    calls = {{
        "predict_proba": lambda: net.predict_proba(X),
        "fit": lambda: net.fit(X, Y, epochs=1, progress=False),
        "save": lambda: net.save({str(tmp_path / "again.zip")!r}),
        "params": lambda: net.params(),
        "config_json": lambda: net.config_json(),
        "Network": lambda: db.Network(db.LSTMConfig(n_in=3, n_out=2)),
        "Network.load": lambda: db.Network.load({str(tmp_path / "net.zip")!r}),
        "load_detector": lambda: load_detector({str(tmp_path / "det.zip")!r}),
        "decision_function": lambda: det.decision_function(windows(5, 2)),
        "detector fit": lambda: NextEventDetector(epochs=1, n_events=6).fit(windows(20, 3)),
        "to_indarray": lambda: arrays.to_indarray(X),
        "jvm_info": lambda: db.jvm_info(),
        "start_jvm": lambda: db.start_jvm(),
    }}
    for name, call in calls.items():
        try:
            call()
        except db.JVMShutDownError as e:
            assert isinstance(e, db.JVMNotStartedError)
            assert "cannot be restarted" in str(e) and "new process" in str(e), (name, str(e))
            assert "in a notebook: restart the kernel" in str(e), (name, str(e))
            print("TYPED", name)
        except BaseException as e:
            print("WRONG", name, type(e).__name__, e)
        else:
            print("NO ERROR", name)
    del net, det, worker
    gc.collect()                            # Java proxies collected after the shutdown: silent
    print("DONE")
    """))
    assert out.count("TYPED") == 13, out
    assert "WRONG" not in out and "NO ERROR" not in out and out.rstrip().endswith("DONE")


def test_shutdown_jvm_then_exit_is_silent(dist):
    _assert_silent_exit(run_python(_TINY_MODELS + """
    import gc
    db.start_jvm(heap="1g", threads=1)
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    net.predict_proba(X)
    db.shutdown_jvm()
    del net
    gc.collect()
    """))


def test_no_java_is_an_error_that_says_what_to_install(dist, tmp_path):
    # JPype falls back to /usr/lib/jvm when JAVA_HOME is wrong, so "no Java at all" is simulated where JPype
    # looks for it: getDefaultJVMPath raises JPype's own JVMNotFoundException, as on a machine without a JDK.
    empty = tmp_path / "no-jdk"
    empty.mkdir()
    out = assert_ok(run_python("""
        import jpype
        def no_jvm():
            raise jpype.JVMNotFoundException("No JVM shared library file (libjvm.so) found. Try setting up the "
                                             "JAVA_HOME environment variable properly.")
        jpype.getDefaultJVMPath = no_jvm
        import dl4j_bridge as db
        try:
            db.start_jvm()
        except db.JavaNotFoundError as e:
            print("RAISED", e)
        print("started:", jpype.isJVMStarted(), db.running_config())
        try:
            db.Network(db.LSTMConfig(n_in=2, n_out=2))
        except db.JVMNotStartedError as e:
            print("THEN NOT STARTED")
    """, env={"JAVA_HOME": str(empty), "PATH": "/usr/local/bin:/bin"}))
    assert "RAISED" in out and "apt-get install openjdk-17-jdk-headless" in out and "JAVA_HOME" in out, out
    assert "libjvm.so" in out                      # JPype's reason is kept
    assert "started: False None" in out and "THEN NOT STARTED" in out


def test_exit_after_normal_use_is_silent(dist, tmp_path):
    proc = run_python(_TINY_MODELS + f"""
    db.start_jvm(heap="1g", threads=1)
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    net.fit(X, Y, epochs=2, batch_size=8, progress=False)
    before = net.predict_proba(X)
    net.save({str(tmp_path / "net.zip")!r})
    assert np.array_equal(db.Network.load({str(tmp_path / "net.zip")!r}).predict_proba(X), before)
    det = NextEventDetector(top_g=2, hidden_sizes=(8,), epochs=2, n_events=6, patience=0).fit(windows(60, 1))
    det.save({str(tmp_path / "det.zip")!r})
    test = windows(10, 2)
    assert np.array_equal(load_detector({str(tmp_path / "det.zip")!r}).decision_function(test),
                          det.decision_function(test))
    print("USED")
    """)
    _assert_silent_exit(proc)
    assert "USED" in proc.stdout


def test_exit_while_daemon_threads_are_inside_java_is_silent(dist):
    # One daemon thread scores in a loop (it calls Java again after JPype shut the JVM down, unless stopped);
    # one trains with a progress callback (Java calls back into Python during the shutdown).
    proc = run_python(_TINY_MODELS + """
    import threading, time
    db.start_jvm(heap="1g", threads=1)
    scorer = db.Network(db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(8,)))
    trainer = db.Network(db.LSTMConfig(n_in=3, n_out=2, hidden_sizes=(16,)))
    busy = threading.Barrier(3)

    def score_forever():
        busy.wait()
        while True:
            scorer.predict_proba(X)

    def train_forever():
        busy.wait()
        while True:
            trainer.fit(X, Y, epochs=1000, batch_size=2, progress=False, callback=lambda e: True, report_every=0.001)

    for target in (score_forever, train_forever):
        threading.Thread(target=target, daemon=True).start()
    busy.wait()
    time.sleep(1.0)
    print("EXITING")
    """)
    _assert_silent_exit(proc)
    assert "EXITING" in proc.stdout


def test_finalizers_are_safe_on_half_built_objects(dist, tmp_path):
    # Every finalizer in the package is listed here; a new one must be added (and exercised) on purpose.
    import re

    from bridge_testing import REPO

    finalizers = sorted(
        f"{path.relative_to(REPO)}:{line.strip()}"
        for path in (REPO / "dl4j_bridge").rglob("*.py")
        for line in path.read_text().splitlines()
        if re.search(r"def __del__|weakref\.finalize|atexit\.register", line))
    assert finalizers == ["dl4j_bridge/session.py:atexit.register(_on_exit)",
                          "dl4j_bridge/session.py:def __del__(self):"], finalizers

    proc = run_python(f"""
    import gc, sys, threading
    unraisable = []
    sys.unraisablehook = lambda u: unraisable.append(repr(u.exc_value))
    import numpy as np
    import dl4j_bridge as db
    from dl4j_bridge import session
    from dl4j_bridge.detectors import NextEventDetector, SequenceClassifier, load_detector
    from dl4j_bridge.etl import JsonLinesReader

    def fails(make):
        try:
            make()
        except Exception as e:
            return type(e).__name__
        return "no error"

    raised = [fails(lambda: db.Network(db.LSTMConfig(n_in=2, n_out=2)))]            # JVM not started
    db.start_jvm(heap="1g", threads=1)
    raised += [
        fails(lambda: db.Network(db.LSTMConfig(n_in=0, n_out=2))),                   # bad config
        fails(lambda: db.Network(db.LSTMConfig(n_in=2, n_out=2, updater="nope"))),
        fails(lambda: db.Network.load({str(tmp_path / "missing.zip")!r})),           # file missing
        fails(lambda: load_detector({str(tmp_path / "missing.zip")!r})),
        fails(lambda: NextEventDetector(threshold="nope")),
        fails(lambda: SequenceClassifier(validation_fraction=2)),
        fails(lambda: list(JsonLinesReader({{"m": "message"}}).read({str(tmp_path / "missing.jsonl")!r}))),
    ]
    # a _ThreadAttachment whose thread ends after the JVM is gone, and one built without a JVM at all
    gate, done = threading.Event(), threading.Event()
    def late():
        session.require_jvm(); gate.wait()
    t = threading.Thread(target=late); t.start()
    orphan = session._ThreadAttachment()
    db.shutdown_jvm()
    gate.set(); t.join()
    del orphan
    gc.collect()
    print("RAISED", raised)
    print("UNRAISABLE", unraisable)
    """)
    _assert_silent_exit(proc)
    assert "UNRAISABLE []" in proc.stdout, proc.stdout
    assert "no error" not in proc.stdout and "RAISED ['JVMNotStartedError'" in proc.stdout, proc.stdout


def test_jvm_use_in_a_forked_child_is_refused_and_the_parent_keeps_working(dist):
    out = assert_ok(run_python(_TINY_MODELS + """
    import multiprocessing, os
    db.start_jvm(heap="1g", threads=1)
    net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
    before = net.predict_proba(X)

    def child_checks():
        lines = []
        for name, call in (("predict_proba", lambda: net.predict_proba(X)), ("start_jvm", db.start_jvm),
                           ("Network", lambda: db.Network(db.LSTMConfig(n_in=3, n_out=2))),
                           ("shutdown_jvm", db.shutdown_jvm)):
            try:
                call()
                lines.append(f"NO ERROR {name}")
            except db.JVMForkedError as e:
                assert "spawn" in str(e) and str(os.getppid()) in str(e), str(e)
                lines.append(f"FORK REFUSED {name}")
            except BaseException as e:
                lines.append(f"WRONG {name} {type(e).__name__}: {e}")
        return lines

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, "\\n".join(child_checks()).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        print(pipe.read())
    assert os.waitpid(pid, 0)[1] == 0

    # multiprocessing's fork start method (its workers end with os._exit): the error comes back to the parent
    def score(x):
        return net.predict_proba(x)

    with multiprocessing.get_context("fork").Pool(1) as pool:
        try:
            pool.apply(score, (X,))
        except db.JVMForkedError as e:
            print("POOL REFUSED", "spawn" in str(e))

    assert np.array_equal(net.predict_proba(X), before)
    print("PARENT OK")
    """))
    assert out.count("FORK REFUSED") == 4 and "WRONG" not in out and "NO ERROR" not in out, out
    assert "POOL REFUSED True" in out and "PARENT OK" in out, out


def test_reloading_the_session_module_keeps_the_running_jvm(dist):
    out = assert_ok(run_python("""
        import importlib, numpy as np, dl4j_bridge as db
        import dl4j_bridge.session
        config = db.start_jvm(heap="512m")
        net = db.Network(db.LSTMConfig(n_in=2, n_out=2))
        importlib.reload(dl4j_bridge.session)
        assert dl4j_bridge.session.running_config() is config
        print("AGAIN", db.start_jvm(heap="512m") is config)
        print("USE", net.predict_proba(np.zeros((1, 3, 2), np.float32)).shape)
        db.Network(db.LSTMConfig(n_in=2, n_out=2))
        print("NEW OK")
    """))
    assert "AGAIN True" in out and "USE (1, 3, 2)" in out and "NEW OK" in out, out


def test_a_child_forked_after_the_jvm_started_ends_normally_with_sys_exit(dist):
    # JPype's exit hook waited forever for the JVM the child does not have: sys.exit(3) hung
    out = assert_ok(run_python("""
        import os, sys, time, dl4j_bridge as db
        db.start_jvm(heap="256m")
        pid = os.fork()
        if pid == 0:
            print("CHILD", flush=True)
            sys.exit(3)
        for _ in range(300):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                print("EXIT", os.waitstatus_to_exitcode(status))
                break
            time.sleep(0.1)
        else:
            os.kill(pid, 9)
            print("HANG")
    """))
    assert "EXIT 3" in out and "HANG" not in out, out


def test_ctrl_c_in_a_script_is_a_keyboard_interrupt_and_the_network_stays_usable(dist):
    # JPype's default outside an interactive session lets the JVM's handler end the process at once on SIGINT
    # (exit 130, no `finally`); dl4j_bridge starts the JVM with interrupt=False so Python gets it.
    proc = run_python("""
        import os, signal, threading, time
        import numpy as np
        import dl4j_bridge as db
        db.start_jvm(heap="1g", threads=1)
        rng = np.random.default_rng(0)
        X = rng.normal(size=(2000, 20, 3)); Y = (X[..., 0] > 0).astype(int)
        mask = np.ones((2000, 20), np.float32); mask[:, 12:] = 0
        net = db.Network(db.LSTMConfig(n_in=3, n_out=2))
        for where in ("fit", "python"):
            threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
            try:
                if where == "fit":   # masked minibatches of 8: the interrupted one's mask must not outlive the fit
                    net.fit(X, Y, mask, epochs=200, batch_size=8, progress=False)
                else:
                    time.sleep(30)
                print("NOT INTERRUPTED", where)
            except KeyboardInterrupt:
                print("INTERRUPTED", where)
            finally:
                print("FINALLY", where)
        assert np.isfinite(net.params()).all()
        # DL4J kept the interrupted minibatch's mask on its layers: an unmasked call of the minibatch's size got
        # [0, 0] on steps 12-19 (no distribution, no error), another size a shape error
        after = net.predict_proba(X[:8])
        other = net.predict_proba(X[:3])
        net.predict_proba(X[:3], mask[:3])   # a masked call sets and clears DL4J's masks
        assert np.array_equal(after, net.predict_proba(X[:8])) and np.array_equal(other, net.predict_proba(X[:3]))
        assert np.allclose(after.sum(axis=-1), 1.0, atol=1e-5)
        net.fit(X[:64], Y[:64], epochs=1, progress=False)
        print("USABLE", net.predict_proba(X[:2]).shape)
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for where in ("fit", "python"):
        assert f"INTERRUPTED {where}\nFINALLY {where}" in proc.stdout, proc.stdout + proc.stderr
    assert "USABLE (2, 20, 2)" in proc.stdout


def test_max_bytes_below_64m_is_refused_but_0_turns_the_limit_off():
    from dl4j_bridge import session

    session._checked_arguments(None, None, "0", None, None, ())   # JavaCPP checks the limit only when above 0
    session._checked_arguments(None, None, "64m", None, None, ())
    with pytest.raises(session.JVMConfigurationError, match="max_bytes='63m' is too small"):
        session._checked_arguments(None, None, "63m", None, None, ())


@pytest.mark.parametrize("value", ["abc", "0", "4,2", "-1", " 2"])
def test_an_omp_num_threads_nd4j_cannot_read_is_refused_before_the_jvm_starts(dist, value):
    """ND4J threw NumberFormatException: For input string: "abc", naming no variable; threads= overrides it."""
    out = assert_ok(run_python("""
        import dl4j_bridge as db
        try:
            db.start_jvm()
        except db.JVMConfigurationError as e:
            print("REFUSED |", e)
        config = db.start_jvm(threads=1)
        print("RUNNING", config.threads)
    """, env={"OMP_NUM_THREADS": value}))
    assert f"REFUSED | OMP_NUM_THREADS={value!r} in the environment is not a thread count" in out, out
    assert "start_jvm(threads=N)" in out and "RUNNING 1" in out
