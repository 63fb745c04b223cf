"""JVM lifecycle. Each test spawns its own Python process: a JVM cannot be restarted in one process."""

from __future__ import annotations

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


def test_doctor_reports_and_exits_zero_when_ready(dist):
    proc = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(['doctor']))")
    out = assert_ok(proc)
    for key in ("java", "classpath", "dl4j.version", "nd4j.backend", "heap.max.bytes", "offheap.max.bytes"):
        assert key in out
    assert "1.0.0-M2.1" in out and "CPU" in out and out.rstrip().endswith("ready")


def test_doctor_exits_nonzero_with_the_reason(tmp_path):
    proc = run_python("import sys; from dl4j_bridge.cli import main; sys.exit(main(['doctor']))",
                      env={"DL4J_BRIDGE_HOME": str(tmp_path)})
    assert proc.returncode == 1
    assert "NOT READY" in proc.stdout and "make build" in proc.stdout
