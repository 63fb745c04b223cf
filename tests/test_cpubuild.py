"""Choosing the nd4j-native CPU build: the logic on fake CPUs, the real JVM in spawned subprocesses."""

from __future__ import annotations

import pytest

from bridge_testing import assert_ok, run_python
from dl4j_bridge import cpubuild

HASWELL = cpubuild.BUILDS["avx2"][1]
SKYLAKE_X = cpubuild.BUILDS["avx512"][1]
SHIPPED = ["lib/nd4j-native-1.0.0-M2.1.jar", "lib/nd4j-native-1.0.0-M2.1-linux-x86_64.jar",
           "lib/nd4j-native-1.0.0-M2.1-linux-x86_64-avx2.jar"]


def test_auto_picks_the_best_shipped_build_the_cpu_runs():
    assert cpubuild.choose("auto", SHIPPED, HASWELL | {"sse4_2"}) == "avx2"
    assert cpubuild.choose("auto", SHIPPED, SKYLAKE_X) == "avx2"          # avx512 is not shipped
    assert cpubuild.choose("auto", SHIPPED + ["x/nd4j-native-1.0.0-M2.1-linux-x86_64-avx512.jar"], SKYLAKE_X) == "avx512"
    assert cpubuild.choose("auto", SHIPPED, HASWELL - {"fma"}) == "generic"  # AVX2 without FMA: not Haswell
    assert cpubuild.choose("auto", SHIPPED, frozenset()) == "generic"
    assert cpubuild.choose("auto", SHIPPED[:2], HASWELL) == "generic"        # avx2 jar not shipped


def test_explicit_builds_env_variable_and_refusals(monkeypatch):
    assert cpubuild.choose("generic", SHIPPED, HASWELL) == "generic"
    assert cpubuild.choose("AVX2", SHIPPED[:2], HASWELL) == "avx2"           # JavaCPP falls back itself
    monkeypatch.setenv(cpubuild.ENV_VARIABLE, "generic")
    assert cpubuild.choose(None, SHIPPED, HASWELL) == "generic"
    with pytest.raises(ValueError, match="lacks .*avx2"):
        cpubuild.choose("avx2", SHIPPED, frozenset({"avx"}))
    with pytest.raises(ValueError, match="unknown CPU build 'sse9'"):
        cpubuild.choose("sse9", SHIPPED, HASWELL)
    # a value from the environment says so (the message named no variable)
    monkeypatch.setenv(cpubuild.ENV_VARIABLE, "nonsense")
    with pytest.raises(ValueError, match=r"unknown CPU build 'nonsense' \(from \$DL4J_BRIDGE_CPU_BUILD\)"):
        cpubuild.choose(None, SHIPPED, HASWELL)


def test_a_build_that_is_not_shipped_is_a_warning_not_a_silent_generic(caplog):
    """avx512 asked for on a CPU that runs it but without its jar: JavaCPP loaded generic, and doctor said ready."""
    with caplog.at_level("WARNING", logger="dl4j_bridge.cpubuild"):
        assert cpubuild.choose("avx512", SHIPPED, SKYLAKE_X) == "avx512"
    assert "the avx512 build of nd4j-native is not among the jars of this build (avx2, generic)" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="dl4j_bridge.cpubuild"):
        cpubuild.choose("avx2", SHIPPED, HASWELL)
        cpubuild.choose("generic", SHIPPED, HASWELL)
    assert not caplog.records


def test_cpu_flags_and_loaded_build_parsing(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert cpubuild.cpu_flags(info) == {"fpu", "avx2", "fma"}
    assert cpubuild.cpu_flags(tmp_path / "missing") == frozenset()
    assert cpubuild.loaded_build("/c/nd4j-native-x.jar/org/nd4j/bindings/linux-x86_64-avx2/libnd4jcpu.so") == "avx2"
    assert cpubuild.loaded_build("/c/org/nd4j/bindings/linux-x86_64/libnd4jcpu.so") == "generic"


def test_the_jvm_loads_the_chosen_build_and_falls_back_when_its_jar_is_missing(dist):
    code = """
        import glob, sys, dl4j_bridge as db
        from dl4j_bridge import cpubuild
        jars = sorted(glob.glob(sys.argv[1] + "/lib/*.jar")) if len(sys.argv) > 1 else None
        {call}
        info = db.jvm_info()
        print("LOADED", info["nd4j.cpu.build"], "ASKED", info["nd4j.cpu.build.requested"],
              "WAIT", info["env.OMP_WAIT_POLICY"], "ARGS", " ".join(db.running_config().jvm_arguments()))
    """
    generic = assert_ok(run_python(code.format(call='db.start_jvm(cpu_build="generic")'), env={"OMP_WAIT_POLICY": ""}))
    assert "LOADED generic ASKED generic" in generic
    assert "-Dorg.bytedeco.javacpp.platform.extension=" in generic.split("ARGS")[1].split()
    if not cpubuild.runnable("avx2", cpubuild.cpu_flags()):
        pytest.skip("this CPU has no AVX2: the AVX2 build cannot be loaded here")
    without_avx2_jar = 'db.start_jvm(classpath=[j for j in glob.glob("{lib}/*.jar") if not j.endswith("-avx2.jar")], cpu_build="avx2")'
    fallback = assert_ok(run_python(code.format(call=without_avx2_jar.format(lib=dist / "lib"))))
    assert "LOADED generic ASKED avx2 WAIT PASSIVE" in fallback
    auto = assert_ok(run_python(code.format(call="db.start_jvm()")))
    assert "LOADED avx2 ASKED avx2" in auto and "extension=-avx2" in auto


def test_the_java_scorers_load_chooses_the_cpu_build_for_a_service_that_did_not(dist, tmp_path):
    """A JVM service that never calls CpuBuild.select() would get JavaCPP's AVX2 build whatever the CPU (a crash without
    AVX2): LogAnomalyScorer.load sets the property first, even when the load then fails; a -D given is left alone."""
    import shutil
    import subprocess

    from bridge_testing import missing_resource

    javac = shutil.which("javac")
    if javac is None:
        missing_resource("javac (a JDK)")
    (tmp_path / "Probe.java").write_text(
        "public class Probe {\n"
        "    public static void main(String[] args) throws Exception {\n"
        "        try {\n"
        "            io.dl4jbridge.scorer.LogAnomalyScorer.load(java.nio.file.Paths.get(args[0]));\n"
        "        } catch (java.io.FileNotFoundException expected) {\n"
        "        }\n"
        "        System.out.println(\"[\" + System.getProperty(\"org.bytedeco.javacpp.platform.extension\") + \"]\");\n"
        "    }\n"
        "}\n", encoding="utf-8")
    classpath = f"{dist / 'lib'}/*"
    compiled = subprocess.run([javac, "-cp", classpath, "-d", str(tmp_path), str(tmp_path / "Probe.java")],
                              capture_output=True, text=True, timeout=120)
    assert compiled.returncode == 0, compiled.stderr
    run = [f"{classpath}:{tmp_path}", "Probe", str(tmp_path / "missing.zip")]
    chosen = subprocess.run(["java", "-cp", *run], capture_output=True, text=True, timeout=120)
    expected = "-avx2" if cpubuild.runnable("avx2", cpubuild.cpu_flags()) else ""
    assert chosen.stdout.strip() == f"[{expected}]", chosen.stdout + chosen.stderr
    given = subprocess.run(["java", "-Dorg.bytedeco.javacpp.platform.extension=", "-cp", *run], capture_output=True,
                           text=True, timeout=120)
    assert given.stdout.strip() == "[]", given.stdout + given.stderr
