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
