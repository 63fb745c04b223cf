"""The Gradle build: the jars it ships, the launcher, and the CUDA backend option."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bridge_testing import REPO, missing_resource


# bytedeco / nd4j "-platform" artifacts pull natives for every OS; jna-platform is an ordinary library.
PLATFORM_BUNDLES = ("nd4j-", "openblas", "javacpp", "cuda", "mkl", "dnnl")


def _gradle():
    gradle = shutil.which("gradle")
    if gradle is None:
        missing_resource("gradle (make installs it)")
    return gradle


def test_cpu_build_ships_explicit_linux_x86_64_natives_and_nothing_heavy(dist):
    jars = sorted(p.name for p in (dist / "lib").glob("*.jar"))
    for expected in ("deeplearning4j-nn-1.0.0-M2.1.jar", "nd4j-native-1.0.0-M2.1.jar",
                     "nd4j-native-1.0.0-M2.1-linux-x86_64.jar", "openblas-0.3.19-1.5.7-linux-x86_64.jar",
                     "javacpp-1.5.7-linux-x86_64.jar", "dl4j-bridge-0.1.0.jar"):
        assert expected in jars
    for jar in jars:
        assert not (jar.startswith(PLATFORM_BUNDLES) and "-platform" in jar) and "deeplearning4j-core" not in jar
        assert not jar.startswith(("opencv", "ffmpeg", "nd4j-cuda"))
        for other_os in ("android", "macosx", "windows", "ios", "ppc64le", "arm64", "armhf"):
            assert other_os not in jar


def test_launcher_info_names_the_dl4j_version_and_the_backend_it_loaded(dist):
    proc = subprocess.run([str(dist / "bin" / "dl4j-bridge"), "info"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(": ", 1) for line in proc.stdout.splitlines())
    assert lines["dl4j.version"] == "1.0.0-M2.1"
    assert lines["nd4j.backend"] == "CPU"
    assert lines["nd4j.backend.class"] == "org.nd4j.linalg.cpu.nativecpu.CpuBackend"
    assert "openjdk version" not in proc.stderr      # the start script's java probe is silent


def test_launcher_usage_errors_exit_2(dist):
    proc = subprocess.run([str(dist / "bin" / "dl4j-bridge"), "frobnicate"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2 and "usage" in proc.stderr
    proc = subprocess.run([str(dist / "bin" / "dl4j-bridge"), "predict", "--model", "/nonexistent.zip",
                           "--input", "x", "--output", "y"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3 and "/nonexistent.zip" in proc.stderr


def test_launcher_refuses_a_mistyped_option_naming_the_one_meant(dist):
    proc = subprocess.run([str(dist / "bin" / "dl4j-bridge"), "score", "--model", "m.zip", "--input", "-",
                           "--treshold", "100"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "unknown option '--treshold' for score (did you mean --threshold?)" in proc.stderr


def test_launcher_without_a_usable_java_exits_4_never_1_which_means_flagged(dist, tmp_path):
    import os

    env = dict(os.environ, JAVA_HOME=str(tmp_path / "no-jdk"))
    proc = subprocess.run([str(dist / "bin" / "dl4j-bridge"), "info"], capture_output=True, text=True, timeout=60,
                          env=env)
    assert proc.returncode == 4 and proc.stdout == "", (proc.returncode, proc.stdout)
    assert "JAVA_HOME is set to an invalid directory" in proc.stderr
    assert "apt-get install openjdk-17-jre-headless" in proc.stderr      # what to do


def _fake_java(home, script):
    """A JAVA_HOME whose bin/java is ``script`` (sh): a Java that is broken or old, without installing one."""
    import os

    java = home / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\n" + script)
    java.chmod(0o755)
    return dict(os.environ, JAVA_HOME=str(home))


def test_launcher_with_a_java_that_does_not_start_exits_4_naming_it_and_what_to_do(dist, tmp_path):
    """java failing at start exits 1: the launcher ran it anyway, and 1 reads as "score flagged something"."""
    env = _fake_java(tmp_path / "broken", 'echo "Error: could not open libjvm" >&2\nexit 1\n')
    for args in (["info"], ["score", "--model", "m.zip", "--input", "x.log"]):
        for extra in ({}, {"JAVA_OPTS": "-Xmx1g"}):   # with options, the options are not blamed
            proc = subprocess.run([str(dist / "bin" / "dl4j-bridge"), *args], capture_output=True, text=True,
                                  timeout=60, env=dict(env, **extra))
            assert proc.returncode == 4 and proc.stdout == "", (args, extra, proc.returncode, proc.stdout)
            assert "Error: could not open libjvm" in proc.stderr                   # java's own words
            assert f"'{tmp_path}/broken/bin/java -version' fails (from JAVA_HOME={tmp_path}/broken)" in proc.stderr
            assert "apt-get install openjdk-17-jre-headless" in proc.stderr and "11 or newer" in proc.stderr
            assert "refused its options" not in proc.stderr


def test_launcher_with_a_java_older_than_11_exits_4(dist, tmp_path):
    old = {
        # what a real Java 8 does: --add-opens is refused, the plain probe works
        "8": 'case "$1" in --add-opens) echo "Unrecognized option: --add-opens" >&2; exit 1;; esac\n'
             'echo \'java version "1.8.0_292"\' >&2\necho "Java(TM) SE Runtime Environment" >&2\nexit 0\n',
        # a fake that takes every option (as in the trial), with JAVA_TOOL_OPTIONS' line first
        "8b": 'echo "Picked up JAVA_TOOL_OPTIONS: -Dx=1" >&2\necho \'java version "1.8.0_292"\' >&2\nexit 0\n',
        "10": 'echo \'openjdk version "10.0.2" 2018-07-17\' >&2\nexit 0\n',
    }
    for name, script in old.items():
        env = _fake_java(tmp_path / name, script)
        proc = subprocess.run([str(dist / "bin" / "dl4j-bridge"), "info"], capture_output=True, text=True,
                              timeout=60, env=env)
        assert proc.returncode == 4 and proc.stdout == "", (name, proc.returncode, proc.stdout, proc.stderr)
        assert "is too old: dl4j-bridge needs Java 11 or newer" in proc.stderr, (name, proc.stderr)
        assert f"{tmp_path}/{name}/bin/java" in proc.stderr and "openjdk-17-jre-headless" in proc.stderr


def test_launcher_with_a_jar_missing_from_lib_exits_4_saying_to_rebuild(dist, tmp_path):
    """Without its own jar java says "could not find or load main class" and exits 1."""
    import shutil as sh

    copy = tmp_path / "dist"
    (copy / "lib").mkdir(parents=True)
    sh.copytree(dist / "bin", copy / "bin")
    for jar in (dist / "lib").glob("*.jar"):
        if not jar.name.startswith("dl4j-bridge-"):
            (copy / "lib" / jar.name).symlink_to(jar)
    proc = subprocess.run([str(copy / "bin" / "dl4j-bridge"), "info"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 4 and proc.stdout == "", (proc.returncode, proc.stdout, proc.stderr)
    assert f"{copy}/lib/dl4j-bridge-0.1.0.jar is missing" in proc.stderr and "make build" in proc.stderr


def test_launcher_with_jvm_options_the_jvm_refuses_exits_4_with_the_jvms_words(dist):
    """java refusing its options exits 1, which would read as "score flagged something"."""
    import os

    cases = {"JAVA_OPTS": ("-Xmx2 gb", "Too small maximum heap"),
             "DL4J_BRIDGE_OPTS": ("-XX:+NoSuchFlag", "Unrecognized VM option 'NoSuchFlag'")}
    for name, (value, words) in cases.items():
        proc = subprocess.run([str(dist / "bin" / "dl4j-bridge"), "info"], capture_output=True, text=True,
                              timeout=60, env=dict(os.environ, **{name: value}))
        assert proc.returncode == 4 and proc.stdout == "", (name, proc.returncode, proc.stdout)
        assert words in proc.stderr and "the JVM refused its options" in proc.stderr and value in proc.stderr
    # options the JVM takes, with quoting, still reach it
    proc = subprocess.run([str(dist / "bin" / "dl4j-bridge"), "info"], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, DL4J_BRIDGE_OPTS="-Xmx700m '-Dx=a b'"))
    assert proc.returncode == 0 and "dl4j.version" in proc.stdout, proc.stderr[-2000:]


def test_cuda_backend_configuration_resolves_and_builds():
    """Resolved and built only: there is no GPU here, so it is never run (see README)."""
    proc = subprocess.run([_gradle(), "--quiet", "-Pbackend=cuda", "printRuntimeClasspath", "installDist"],
                          cwd=str(REPO), capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    resolved = set(proc.stdout.split())
    shipped = {p.name for p in (REPO / "build" / "cuda" / "install" / "dl4j-bridge" / "lib").glob("*.jar")}
    for jars in (resolved, shipped):
        assert {"nd4j-cuda-11.6-1.0.0-M2.1.jar", "nd4j-cuda-11.6-1.0.0-M2.1-linux-x86_64.jar",
                "cuda-11.6-8.3-1.5.7.jar", "cuda-11.6-8.3-1.5.7-linux-x86_64.jar",
                "deeplearning4j-nn-1.0.0-M2.1.jar"} <= jars
        assert not any(j.startswith("nd4j-native") and "api" not in j for j in jars)
        assert not any("redist" in j or (j.startswith(PLATFORM_BUNDLES) and "-platform" in j) for j in jars)
    assert "dl4j-bridge-0.1.0.jar" in shipped
    # the CPU build Python loads is untouched
    assert (REPO / "build" / "install" / "dl4j-bridge" / "lib" / "nd4j-native-1.0.0-M2.1-linux-x86_64.jar").is_file()


def test_an_unknown_backend_is_refused():
    proc = subprocess.run([_gradle(), "--quiet", "-Pbackend=tpu", "printRuntimeClasspath"], cwd=str(REPO),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0 and "-Pbackend must be 'cpu' or 'cuda'" in proc.stderr
