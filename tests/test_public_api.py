"""What README.md names is what the package exports."""

import os

import dl4j_bridge
from bridge_testing import REPO


def test_every_error_class_the_readme_names_is_exported():
    """`except db.JavaIllegalArgumentError:` raised AttributeError only when an exception was being matched,
    hiding the real error: every error class named in README.md must exist under dl4j_bridge."""
    import re

    text = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    from dl4j_bridge import errors
    named = sorted(set(re.findall(r"`(?:db\.)?([A-Z][A-Za-z]+Error)`", text)) & set(dir(errors)))
    assert "JavaIllegalArgumentError" in named and "JavaIOError" in dir(dl4j_bridge)
    for name in named:
        assert getattr(dl4j_bridge, name) is getattr(errors, name), name
        assert name in dl4j_bridge.__all__, name


# The Java API a service uses (README's "Deploy on the JVM", and DetectorFile, which
# LogAnomalyScorer.detectorFile() hands out): every public member has a javadoc comment.
JAVA_API = ["scorer/LogAnomalyScorer", "scorer/ScoredSequence", "scorer/ScoringStream", "scorer/ScoreSummary",
            "scorer/LineSplitter", "scorer/DetectorFile", "etl/ReadReport", "etl/SpecException", "etl/EtlException",
            "etl/BadRecordException", "etl/AbsentFieldException", "etl/EncodingException", "CpuBuild"]


def test_every_public_member_of_the_java_scoring_api_is_documented(tmp_path):
    """A Java team reads the javadoc, not our sources: `javadoc -Xdoclint:missing` finds no member without a comment
    (parameters and return values described in words count; the @param / @return tags themselves are not required)."""
    import re
    import shutil
    import subprocess

    from bridge_testing import DIST, missing_resource

    javadoc = shutil.which("javadoc")
    if javadoc is None:
        missing_resource("javadoc (a JDK)")
    if not (DIST / "lib").is_dir():
        missing_resource("the Java build (gradle installDist)")
    sources = [str(REPO / "java" / "src" / "main" / "java" / "io" / "dl4jbridge" / f"{path}.java") for path in JAVA_API]
    proc = subprocess.run([javadoc, "-quiet", "-Xdoclint:missing", "-d", str(tmp_path), "-cp", f"{DIST / 'lib'}/*",
                           "-sourcepath", str(REPO / "java" / "src" / "main" / "java"), *sources],
                          capture_output=True, text=True, timeout=300)
    undocumented = [line for line in (proc.stdout + proc.stderr).splitlines() if "warning: no comment" in line]
    assert undocumented == [], "\n".join(undocumented)
    assert re.search(r"error:", proc.stderr) is None, proc.stderr[-3000:]
