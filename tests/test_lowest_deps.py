"""ci/lowest-deps.txt, the pins `make test-mindeps` tests with, against the lower bounds pyproject.toml declares."""

import re
import tomllib

from packaging.requirements import Requirement
from packaging.version import Version

from bridge_testing import REPO


def _declared():
    with open(REPO / "pyproject.toml", "rb") as stream:
        project = tomllib.load(stream)["project"]
    requirements = [Requirement(text) for text in project["dependencies"]]
    requirements += [Requirement(text) for extra in project["optional-dependencies"].values() for text in extra]
    return {r.name.lower(): r for r in requirements}


def _pins():
    pins = {}
    for line in (REPO / "ci" / "lowest-deps.txt").read_text().splitlines():
        text = re.sub(r"(^|\s)#.*", "", line).strip()
        if text:
            requirement = Requirement(text)
            (version,) = [s.version for s in requirement.specifier if s.operator == "=="]
            pins[requirement.name.lower()] = Version(version)
    return pins


def test_every_declared_dependency_is_pinned_at_or_above_its_lower_bound():
    """A bound raised in pyproject without the pin (or a pin below a bound) would test versions nobody gets."""
    pins = _pins()
    for name, requirement in _declared().items():
        assert name in pins, f"{name} is declared in pyproject.toml but not pinned in ci/lowest-deps.txt"
        (bound,) = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
        assert pins[name] >= bound, f"{name}: pinned {pins[name]} is below the declared >={bound}"
        # the pin is the lowest release with wheels for Python 3.11: no newer minor than the bound's next one
        assert (pins[name].major, pins[name].minor) <= (bound.major, bound.minor + 1), (name, pins[name], bound)


def test_the_lowest_versions_are_not_part_of_make_test():
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^test-mindeps:", makefile, re.M)
    assert "test-mindeps" not in re.search(r"^test:(.*)$", makefile, re.M).group(1)


def test_ci_runs_the_lowest_versions_after_make_test():
    """The lowest versions are CI's too (they found a bug of Debian 12's Python 3.11.2 no other run showed)."""
    lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert lines.index("make test") < min(i for i, line in enumerate(lines) if line.startswith("make test-mindeps"))
