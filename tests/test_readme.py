"""README.md says what the code does: whole classes of its claims, checked against the code.

Each test reads README.md and fails on a claim the code does not back: an option a command does not have, a run.toml
key a table refuses, a default that is not the code's, a name that does not exist, a module the layout leaves out,
figures cited from a results file that holds others. None needs the JVM or a build.
"""

from __future__ import annotations

import ast
import inspect
import re

import pytest

from bridge_testing import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")

#: Options of tools that are not ours, which the README names beside ours.
OTHER_TOOLS_OPTIONS = {
    "--add-opens": "java (Debian's start script)",
    "--hypothesis-profile": "pytest (hypothesis' plugin)",
    "--data-binary": "curl",
    "--help": "every command",
}
#: A wrong option the README shows on purpose, with what both command lines answer to it.
DOCUMENTED_MISTAKES = {"--treshold": "--threshold"}


def _section(title: str) -> str:
    """The text of README's section ``title`` (a ``##`` or ``###`` heading), up to the next heading of any level."""
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", README, re.S | re.M)
    assert match, f"README.md has no section {title!r}"
    return match.group(1)


def _code_blocks(language=None) -> list[str]:
    """The fenced code blocks of README (of one ``language``, e.g. ``"bash"``; None: all), fences paired in order."""
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", README, re.S | re.M)
    return [text for lang, text in blocks if language is None or lang == language]


def _python_options() -> dict[str, set[str]]:
    """Each command of Python's ``dl4j-bridge`` and its options (argparse's own, as ``--help`` lists them)."""
    import argparse

    from dl4j_bridge import cli

    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: {s for action in sub._actions for s in action.option_strings}
            for name, sub in commands.choices.items()}


def _launcher_options() -> dict[str, set[str]]:
    """Each command of the JVM launcher and its options, as its Java source declares them (``Main.checkArgs``)."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "java/src/main/java/io/dl4jbridge").glob("*.java"))
    options = {name: set(re.findall(r'"(--[a-z][a-z0-9-]*)"', body)) | {"--help"}
               for name, body in re.findall(r'checkArgs\(args, "(\w+)",(.*?)\);', source, re.S)}
    options.setdefault("info", {"--help"})
    assert {"score", "serve", "predict"} <= set(options), options
    return options


def _script_options() -> set[str]:
    """The options of the scripts under python/ (benchmarks, stress, tools, examples)."""
    found: set[str] = set()
    for script in (REPO / "python").rglob("*.py"):
        found |= set(re.findall(r'add_argument\(\s*"(--[a-z][a-z0-9-]*)"', script.read_text(encoding="utf-8")))
    return found


def _command_uses() -> list[tuple[str, str, str]]:
    """(side, command, the rest of the line) of every ``dl4j-bridge COMMAND ...`` in a code block or a code span:
    side ``launcher`` when it is the launcher's path (``bin/dl4j-bridge``), else ``python``."""
    texts = []
    for block in _code_blocks():
        for line in block.splitlines():
            if texts and re.match(r"\s+[\[-]", line):   # a command's options continued on an indented line
                texts[-1] += " " + line.strip()
            else:
                texts.append(line)
    texts += re.findall(r"`([^`\n]*dl4j-bridge [a-z][^`\n]*)`", README)
    uses = []
    for text in texts:
        text = text.split("#", 1)[0]   # a shell comment
        for match in re.finditer(r"(\S*)dl4j-bridge (?:-v )?([a-z]+)\b(.*?)(?=\S*dl4j-bridge |$)", text):
            side = "launcher" if match.group(1).endswith("bin/") else "python"
            uses.append((side, match.group(2), match.group(3)))
    return uses


def test_every_command_line_the_readme_shows_uses_options_of_that_command():
    """``dl4j-bridge score ... --flag`` in a code block or span: ``--flag`` is an option of that command, on the
    side the line runs (Python's ``dl4j-bridge``, or the launcher ``bin/dl4j-bridge``)."""
    python, launcher = _python_options(), _launcher_options()
    uses = _command_uses()
    assert {("python", "train"), ("python", "score"), ("launcher", "serve"), ("launcher", "predict")} \
        <= {(side, command) for side, command, _ in uses}
    wrong = []
    for side, command, rest in uses:
        if command not in python and command not in launcher:   # prose: "the dl4j-bridge jar lists ..."
            continue
        if command not in python:   # `dl4j-bridge serve` in a sentence: the launcher's command
            side = "launcher"
        known = (launcher if side == "launcher" else python).get(command)
        if known is None:
            wrong.append(f"{side} has no command {command!r}: dl4j-bridge {command}{rest}")
            continue
        for option in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", rest):
            if option not in known and DOCUMENTED_MISTAKES.get(option) not in known:
                wrong.append(f"{side} {command} has no {option}: dl4j-bridge {command}{rest}")
    assert not wrong, "\n".join(wrong)


def test_every_option_the_readme_names_exists_somewhere():
    """Every ``--option`` anywhere in README is an option of one of our commands or scripts (or a unique prefix of
    one, as the launcher reads them), or of a tool the README names beside them."""
    ours = set().union(*_python_options().values(), *_launcher_options().values(), _script_options())
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", README))
    unknown = sorted(option for option in named - ours - set(OTHER_TOOLS_OPTIONS) - set(DOCUMENTED_MISTAKES)
                     if sum(o.startswith(option) for o in _launcher_options()["score"]) != 1)
    assert not unknown, f"options README names that nothing has: {unknown}"


def test_the_readmes_wrong_option_is_refused_with_the_right_one_named(capsys):
    from dl4j_bridge import cli

    for wrong, right in DOCUMENTED_MISTAKES.items():
        with pytest.raises(SystemExit) as exit_:
            cli.main(["score", "--model", "m.zip", "--input", "-", wrong, "1"])
        assert exit_.value.code == 2 and f"did you mean {right}?" in capsys.readouterr().err


def _table_rows(header: str) -> dict[str, str]:
    """The rows of the README table whose header row starts with ``| header |``: first cell -> second cell."""
    match = re.search(rf"^\| {re.escape(header)} \|.*\n\|[-|]+\|\n((?:\|.*\n)+)", README, re.M)
    assert match, f"no README table headed {header!r}"
    rows = {}
    for line in match.group(1).splitlines():
        first, rest = re.match(r"\| (.*?) \| (.*) \|$", line).groups()
        rows[first] = rest
    return rows


def _top_level_names(cell: str) -> list[str]:
    """The plain names in code spans outside parentheses and brackets: the keys a table row lists (values are
    quoted, ``"onehot"``; explanations are in parentheses or brackets)."""
    cell = re.sub(r"``.*?``", "", cell)
    names, depth = [], 0
    for piece in re.split(r"(`[^`]*`)", cell):
        if piece.startswith("`"):
            if depth == 0 and re.fullmatch(r"`[a-z_][a-z0-9_]*`", piece):
                names.append(piece.strip("`"))
            continue
        depth += sum(piece.count(c) for c in "([") - sum(piece.count(c) for c in ")]")
    return names


def test_every_transform_and_text_reader_key_the_readme_lists_is_accepted_and_none_is_missing():
    """The table of ``[[transforms]]`` kinds and their keys: every key listed is one run.toml accepts for that
    kind, every key accepted is listed, and each default in brackets is the constructor's."""
    from dl4j_bridge.detectors import run

    rows = _table_rows("kind")
    for kind, cls in run._TRANSFORMS.items():
        cell = rows[f"`{kind}`"]
        accepted = {"column", *run._parameters(cls, skip=("column",))}
        if kind == "template":
            accepted |= set(run.MINER_KEYS)
        listed = set(_top_level_names(cell))
        assert listed == accepted, (kind, "listed but refused:", listed - accepted, "accepted, not listed:",
                                    accepted - listed)
        defaults = {n: p.default for n, p in inspect.signature(cls).parameters.items()}
        if kind == "template":
            defaults.update({n: p.default for n, p in inspect.signature(run.TemplateMiner).parameters.items()})
        for key, stated in re.findall(r"`([a-z_0-9]+)` \[([^]:]+?)[]:]", cell):
            stated = stated.split(",")[0].strip().strip("`")   # "4, at least 2": the default, then a note
            if stated in ("none", "1900, `strptime`'s default; for formats without a year (none of `%Y`"):
                continue
            assert str(defaults[key]).lower() == stated.strip('"').lower(), (kind, key, stated, defaults[key])
    text_row = rows['`[reader]` `kind = "text"`'].split("**Line rules**")[0]
    assert set(_top_level_names(text_row)) == {"log_format", "regex", "continuation", "line_rules"}
    assert set(_top_level_names(text_row)) <= set(run._parameters(run._READERS["text"]))


def test_every_run_config_table_and_key_the_readme_lists_is_accepted():
    """The table of run.toml tables: each table exists, and every key it lists (outside the explanations in
    parentheses) is a key of that table, or a value its ``kind`` or ``mode`` takes."""
    from dl4j_bridge.detectors import run

    rows = _table_rows("table")
    tables = {re.sub(r"[`\[\]]", "", name).split(".")[0] for name in rows}
    assert tables == set(run._TABLES), tables ^ set(run._TABLES)
    prose = {"score", "train", "evaluate", *run._DETECTORS, *run._TRANSFORMS}   # commands and kinds rows mention
    accepted = {
        "data": set(run._KEYS["data"]),
        "baselines": set(run._KEYS["baselines"]),
        "output": set(run._KEYS["output"]),
        "reader": {"kind", *run._READERS, "strict", "lenient",
                   *(k for cls in run._READERS.values() for k in run._parameters(cls))},
        "transforms": {"kind", "column", *run._TRANSFORMS},
        "sequence": {"kind", *run._SEQUENCES, *(k for cls in run._SEQUENCES.values() for k in run._parameters(cls))},
        "split": {"kind", *run._SPLITS, *(k for cls in run._SPLITS.values() for k in run._parameters(cls))},
        "detectors": {"kind", "train_on", "normal", "all", *run._DETECTORS,
                      *(k for cls in run._DETECTORS.values() for k in run._parameters(cls))},
    }
    for name, cell in rows.items():
        table = re.sub(r"[`\[\]]", "", name).split(".")[0]
        listed = set(_top_level_names(cell))
        assert listed and listed <= accepted[table] | prose, (name, listed - accepted[table] - prose)
    # the detectors' row also lists constructor parameters inside parentheses: each one a config key; and the
    # ones it says the run sets are not
    detectors = rows["`[detectors.<name>]`"]
    every = {k for cls in run._DETECTORS.values() for k in run._parameters(cls)}
    listed = re.search(r"any constructor parameter but those the run sets \(([^)]*)\) \(([^;]*);", detectors)
    assert listed, detectors
    assert set(re.findall(r"`(\w+)`", listed.group(1))) == set(run._NOT_CONFIG_KEYS) - {"miner", "saved_regex"}
    assert set(re.findall(r"`(\w+)`", listed.group(2))) <= every


def test_the_readmes_toml_example_is_a_valid_run_config_with_the_classes_it_says(tmp_path):
    """The attack-classes example: accepted as it is (with a reader added), and the classifier gets the
    ``n_classes`` and ``positive_classes`` the sentence before it says follow from ``classes``."""
    from dl4j_bridge.detectors import run

    (block,) = _code_blocks("toml")
    (tmp_path / "run.toml").write_text(block + '\n[reader]\nkind = "jsonl"\nfields = { label = "label" }\n',
                                       encoding="utf-8")
    config = run.load_config(tmp_path / "run.toml")
    run.check_config(config)
    pipeline = run.build_pipeline(config)
    said = re.search(r"the classifier's `n_classes` = (\d+) and `positive_classes` = \[([\d, ]+)\]", README)
    (name, spec), = config["detectors"].items()
    detector = run.build_detector(name, spec, None, 7, pipeline=pipeline)
    assert detector.n_classes == int(said.group(1))
    assert list(detector.positive_classes) == [int(c) for c in said.group(2).split(",")]


def test_the_readmes_python_examples_parse_and_name_what_exists():
    """Every Python block is valid Python, and every name it imports from dl4j_bridge or takes from ``db.`` is
    there (running them, with small data, is the docs audit's job: they train networks)."""
    import importlib

    import dl4j_bridge as db

    blocks = _code_blocks("python")
    assert len(blocks) >= 3
    for block in blocks:
        tree = ast.parse(block)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module.startswith("dl4j_bridge"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name), (node.module, alias.name)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "db":
                assert node.attr in db.__all__, node.attr


def test_every_error_and_exception_the_readme_names_exists_and_is_exported():
    """``FooError`` in README: a built-in, or exported by dl4j_bridge, dl4j_bridge.etl or dl4j_bridge.detectors
    (or named with its module, ``dl4j_bridge.jvmcheck.JVMIncompatibleSpecError``); ``FooException``: a Java class
    of ours, or the JDK's."""
    import builtins
    import importlib

    import dl4j_bridge
    from dl4j_bridge import detectors, etl

    for dotted in set(re.findall(r"`(dl4j_bridge(?:\.\w+)+\.[A-Z]\w+(?:Error|Exception))`", README)):
        module, name = dotted.rsplit(".", 1)
        assert hasattr(importlib.import_module(module), name), dotted
    exported = set(dl4j_bridge.__all__) | set(etl.__all__) | set(detectors.__all__)
    errors = set(re.findall(r"`(?:db\.)?([A-Z][A-Za-z]+Error)`", README))
    missing = sorted(e for e in errors if e not in exported and not hasattr(builtins, e)
                     and e not in ("OutOfMemoryError", "UnsatisfiedLinkError"))   # Java's, named as such
    assert not missing, missing
    java = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "java/src/main/java").rglob("*.java"))
    ours = set(re.findall(r"class (\w+Exception)\b", java))
    # the JDK's that our sources use (imported or named with their package: java.io.FileNotFoundException)
    jdk = set(re.findall(r"\bjava\.(?:[a-z]\w*\.)+([A-Z]\w*Exception)\b", java))
    exceptions = {name.rsplit(".", 1)[-1] for name in re.findall(r"`([\w.]*[A-Z]\w*Exception)`", README)}
    assert not sorted(exceptions - ours - jdk), sorted(exceptions - ours - jdk)


def test_the_reference_network_defaults_the_readme_states_are_lstmconfigs():
    from dl4j_bridge import LSTMConfig

    said = re.search(r"`LSTMConfig`'s defaults are the reference design: seed (\d+), stochastic gradient descent, "
                     r"Xavier\s+initialisation, `Nesterovs\(([\d.]+), ([\d.]+)\)`, gradient normalization "
                     r"`(\w+)` at ([\d.]+),\s+one `(\w+)` layer \((\w+), (\d+) units\), then an `RnnOutputLayer` "
                     r"\((\w+) loss, (\w+)\)", README)
    assert said, "the sentence of LSTMConfig's defaults changed: update this test with it"
    c = LSTMConfig(n_in=1, n_out=2)
    assert (c.seed, c.optimization_algo, c.weight_init, c.updater, c.learning_rate, c.momentum) == \
        (int(said[1]), "STOCHASTIC_GRADIENT_DESCENT", "XAVIER", "nesterovs", float(said[2]), float(said[3]))
    assert (c.gradient_normalization, c.gradient_normalization_threshold) == (said[4], float(said[5]))
    assert (c.layer_type, c.activation, c.hidden_sizes) == (said[6], said[7], (int(said[8]),))
    assert (c.loss, c.output_activation) == (said[9], said[10])


def test_the_default_continuation_the_readme_prints_is_the_readers():
    from dl4j_bridge.etl import readers
    from dl4j_bridge.etl import jsonsyntax

    printed = re.search(r"`dl4j_bridge\.etl\.readers\.DEFAULT_CONTINUATION`, ``(.*?)``", README).group(1)
    assert printed.replace(r"\|", "|") == readers.DEFAULT_CONTINUATION   # `\|`: a | inside a table cell
    reasons = re.search(r"`dl4j_bridge\.etl\.jsonsyntax\.REASONS`: (.*?), \.\.\.\)", README).group(1)
    assert set(re.findall(r"`([^`]+)`", reasons)) <= set(jsonsyntax.REASONS)


def test_every_make_target_the_readme_names_exists():
    targets = set(re.findall(r"^([a-z][a-z-]*):", (REPO / "Makefile").read_text(encoding="utf-8"), re.M))
    named = set(re.findall(r"`make ([a-z][a-z-]*)", README))
    assert {"demo", "test", "bench", "stress"} <= named
    assert named <= targets, named - targets
    assert re.findall(r"^make (\w+)", _code_blocks("bash")[0], re.M) == ["demo", "test"]   # the two set-up commands


def test_the_layout_names_every_module_and_folder():
    """The Layout table lists every module of the package, its subpackages, and every folder under python/."""
    row = _table_rows("path")
    package = row["`dl4j_bridge/`"]
    modules = {p.stem for p in (REPO / "dl4j_bridge").glob("*.py") if not p.stem.startswith("_")}
    modules |= {p.name + "/" for p in (REPO / "dl4j_bridge").iterdir() if (p / "__init__.py").is_file()}
    named = set(re.findall(r"`([a-z_]+/?)`", package))
    assert modules <= named, f"modules the layout leaves out: {sorted(modules - named)}"
    folders = {f"`python/{p.name}/`" for p in (REPO / "python").iterdir() if p.is_dir() and p.name != "__pycache__"}
    listed = set(re.findall(r"`python/\w+/`", next(k for k in row if "python/examples/" in k)))
    assert folders <= listed, folders - listed


def _results_header(path) -> str:
    return (REPO / path).read_text(encoding="utf-8")[:2000]


def test_the_figures_cited_from_the_committed_results_files_are_theirs():
    """The Performance and stress sections cite the committed RESULTS.md files by date: the same date (and, for
    the bench, commit and wall time), and the stress figures are the file's."""
    bench = _results_header("python/bench/RESULTS.md")
    date = re.search(r"\| date \| (\d{4}-\d\d-\d\d \d\d:\d\d)", bench).group(1)
    commit = re.search(r"\| git commit \| (\w+)", bench).group(1)
    wall = re.search(r"\| suite wall time \| ([\d.]+) min", bench).group(1)
    cited = re.search(r"the committed\s+RESULTS\.md \((\d{4}-\d\d-\d\d \d\d:\d\d) UTC, commit (\w+),.*?; ([\d.]+) min\)",
                      _section("Performance"), re.S)
    assert cited and cited.groups() == (date, commit, wall), (cited and cited.groups(), (date, commit, wall))

    stress = (REPO / "python/stress/RESULTS.md").read_text(encoding="utf-8")
    date = re.search(r"- date: (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", stress).group(1)
    section = " ".join(_section("Reliability under load: `make stress`").split())
    cited = re.search(r"Figures of the committed RESULTS\.md \((\d{4}-\d\d-\d\d \d\d:\d\d) UTC", section)
    assert cited and cited.group(1) == date, (cited and cited.group(1), date)
    rss = re.search(r"\| rss \| [\d.]+ MiB \| ([\d.]+) MiB \| ([\d.]+) MiB \| \+([\d.]+)%", stress).groups()
    assert f"RSS +{float(rss[2]):.1f}% ({rss[0]} → {rss[1]} MiB)" in section
    rate, p50, p95 = re.search(r"(\d+) requests/s .*?p50 ([\d.]+) ms, p95 ([\d.]+) ms", stress).groups()
    assert f"{rate} requests/s" in section and f"p50 {float(p50):g} ms, p95 {float(p95):g} ms" in section
    soak = re.search(r"`make stress` \(`python/stress/RESULTS\.md`\) levels off: \+([\d.]+)%",
                     _section("Performance")).group(1)
    assert soak == f"{float(rss[2]):.1f}"


def test_the_versions_the_readme_states_are_the_builds():
    """DL4J's version, the ETL spec and detector document versions, the JDK and Gradle the README names."""
    from dl4j_bridge.detectors import persistence
    from dl4j_bridge.etl import SPEC_VERSION

    gradle = (REPO / "build.gradle").read_text(encoding="utf-8")
    dl4j = re.search(r"dl4jVersion = '([^']+)'", gradle).group(1)
    assert set(re.findall(r"(?:Deeplearning4j|DL4J) (1\.0\.0-[\w.]+)", README)) == {dl4j}
    assert set(re.findall(r"ETL spec(?: is|.s)? version (\d+)", README)) == {str(SPEC_VERSION)}
    assert set(re.findall(r"detector\s+document is version (\d+)", README)) == {str(persistence.VERSION)}


def test_every_lstmconfig_parameter_is_named_in_the_network_section():
    import dataclasses

    from dl4j_bridge import LSTMConfig

    section = _section("The network")
    named = set(re.findall(r"`(\w+)`", section))
    missing = [f.name for f in dataclasses.fields(LSTMConfig) if f.name not in named]
    assert not missing, f"LSTMConfig parameters README's 'The network' does not name: {missing}"


def test_the_exit_codes_the_readme_lists_are_the_commands():
    """'Exit codes are the JVM launcher's: 0 ..., 1 ..., ...': every code Python's cli returns is described, each
    with what cli.py says it means, and the launcher's usage lists the same codes."""
    from dl4j_bridge import cli

    codes = {name: value for name, value in vars(cli).items() if name.startswith("EXIT_")}
    text = " ".join(README.split())
    start = text.index("Exit codes are the JVM launcher's: ")
    paragraph = text[start:text.index("Input starting with gzip's magic number", start)]
    meaning = {"EXIT_OK": "0 success", "EXIT_FLAGGED": "1 `score` flagged", "EXIT_USAGE": "2 usage error",
               "EXIT_INPUT": "3 input, model or config error", "EXIT_OTHER": "4 anything else",
               "EXIT_INTERRUPTED": "130 interrupted by Ctrl-C", "EXIT_TERMINATED": "143 for SIGTERM",
               "EXIT_BROKEN_PIPE": "141 when the reader of its output pipe went away"}
    assert set(meaning) == set(codes), set(meaning) ^ set(codes)
    for name, words in meaning.items():
        assert words.startswith(f"{codes[name]} ") and words in paragraph, (name, words)
    java = (REPO / "java/src/main/java/io/dl4jbridge/Main.java").read_text(encoding="utf-8")
    usage = re.search(r'"exit codes: (.*?)";', java, re.S).group(1)
    usage = re.sub(r'"\s*\+\s*"', "", usage)   # the string literal's pieces
    assert {int(c) for c in re.findall(r"\b\d+\b", usage)} == set(codes.values()), usage


def test_every_file_test_and_java_class_the_readme_names_exists():
    """Paths in code spans (``tests/...``, ``python/...``, ``java/...``, ``dl4j_bridge/...``), JUnit classes
    (``...Test``) and ``io.dl4jbridge.`` classes or packages."""
    missing = []
    for path in set(re.findall(r"`((?:tests|java|python|dl4j_bridge)/[\w./*-]+)`", README)):
        if not list(REPO.glob(path.rstrip("/"))):
            missing.append(path)
    tests = {p.stem for p in (REPO / "java/src/test").rglob("*.java")}
    missing += [name for name in set(re.findall(r"\b([A-Z]\w+Test)\b", README)) if name not in tests]
    main = REPO / "java/src/main/java"
    for dotted in set(re.findall(r"`(io\.dl4jbridge(?:\.\w+)+)", README)):
        parts = dotted.split(".")
        if parts[-2][0].isupper():   # a member of a class: io.dl4jbridge.CpuBuild.select
            parts = parts[:-1]
        if not (main.joinpath(*parts).is_dir() or main.joinpath(*parts[:-1], parts[-1] + ".java").is_file()):
            missing.append(dotted)
    assert not missing, sorted(missing)


def test_the_json_examples_are_a_detector_document_and_a_manifest_as_saved():
    """The two JSON examples of "The detector file": their format and version are the writers', and every key they
    show is one a saved file holds (WRITTEN_KEYS lists those of a detector document), with the manifest's versions
    those Python (manifest_fields) and Java (dl4j, java) write."""
    import json

    from dl4j_bridge import modelfile
    from dl4j_bridge.detectors import persistence
    from test_detector_file_content import WRITTEN_KEYS

    document, manifest = (json.loads(block) for block in _code_blocks("json"))
    assert (document["format"], document["version"]) == (persistence.FORMAT, persistence.VERSION)
    assert set(document) <= WRITTEN_KEYS["detector"], set(document) - WRITTEN_KEYS["detector"]
    scoring = WRITTEN_KEYS["scoring:" + document["kind"]]
    assert set(document["scoring"]) <= scoring, set(document["scoring"]) - scoring
    assert (manifest["format"], manifest["version"]) == (modelfile.MANIFEST_FORMAT, modelfile.MANIFEST_VERSION)
    assert set(manifest) == {"format", "version", "versions", "features", "etl_spec_sha256", "detector", "entries"}
    python = set(modelfile.manifest_fields()["versions"]) | {"dl4j_bridge_git"}
    assert set(manifest["versions"]) == python | {"dl4j", "java"}, set(manifest["versions"]) ^ (python | {"dl4j", "java"})


def test_the_environment_variables_of_ours_are_the_ones_the_readme_names():
    """Every ``DL4J_BRIDGE_*`` variable README names is read by the package, the launcher or the scripts, and every
    one they read is named."""
    code = "\n".join(p.read_text(encoding="utf-8", errors="replace") for folder in ("dl4j_bridge", "java/src/main",
                                                                                      "python")
                     for p in (REPO / folder).rglob("*") if p.suffix in (".py", ".java", ".sh"))
    code += (REPO / "build.gradle").read_text(encoding="utf-8")
    assert set(re.findall(r"DL4J_BRIDGE_[A-Z_]+", README)) == set(re.findall(r"DL4J_BRIDGE_[A-Z_]+", code))


def test_every_script_command_the_readme_shows_exists_with_its_options():
    """``python python/bench/X.py --flag ...`` (and python/stress, tools, examples): the script exists and takes
    each option shown (argparse's ``add_argument``)."""
    wrong = []
    for script, rest in re.findall(r"python (python/[\w/]+\.py)((?: [^`]*)?)`", README):
        path = REPO / script
        if not path.is_file():
            wrong.append(f"no {script}")
            continue
        options = set(re.findall(r'add_argument\(\s*"(--[a-z][a-z0-9-]*)"', path.read_text(encoding="utf-8")))
        wrong += [f"{script} has no {o}" for o in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", rest)
                  if o not in options | {"--help"}]
    assert not wrong, wrong


def test_every_section_the_readme_or_the_code_refers_to_exists():
    """'see "The network"' in README, and 'README, "Command line"' in an error message or docstring: the section
    (a heading, or a bold run-in heading such as **Untrusted files.**) is there under that name."""
    headings = re.findall(r"^#+ (.+)$", README, re.M) + re.findall(r"\*\*([A-Z][^*]+?)[.:]?\*\*", README)

    def exists(name: str) -> bool:
        return any(h.startswith(name) for h in headings)

    text = " ".join(README.split())
    referred = {name for name in re.findall(r"\bsee \"([A-Z][^\"]+)\"", text) if name != "Such a part"}
    code = "\n".join(p.read_text(encoding="utf-8", errors="replace") for folder in ("dl4j_bridge", "java/src/main",
                                                                                      "python", "tests")
                     for p in (REPO / folder).rglob("*") if p.suffix in (".py", ".java"))
    referred |= set(re.findall(r"README(?:, | \(|: | )\\?[\"']([A-Z][^\"'\\]+)\\?[\"']", code))
    assert {"The network", "Command line", "Deploy on the JVM"} <= referred
    assert not sorted(n for n in referred if not exists(n)), sorted(n for n in referred if not exists(n))


def test_every_option_of_the_python_command_line_says_what_it_is_and_its_default():
    """``dl4j-bridge evaluate --help`` showed ``--model MODEL`` and ``--threshold THRESHOLD`` without a word, and
    ``--report`` without the default README gives (reports/evaluate)."""
    import argparse

    from dl4j_bridge import cli

    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"dl4j-bridge {name} {action.option_strings[0]} has no help"
            if action.default not in (None, False, argparse.SUPPRESS):
                assert "default" in action.help, f"dl4j-bridge {name} {action.option_strings[0]}: no default said"
    report = next(a for a in commands.choices["evaluate"]._actions if "--report" in a.option_strings)
    assert f"default {report.default}" in report.help
    assert re.search(rf"`evaluate --report` defaults to `{re.escape(report.default)}`", README)


def test_the_launcher_options_defaults_are_its_constants_and_the_readmes():
    """``--batch N (default 4096)`` and the other defaults the launcher's usage gives are the Java constants it
    uses, and README gives each option the same default."""
    java = REPO / "java/src/main/java/io/dl4jbridge"
    source = "\n".join(p.read_text(encoding="utf-8") for p in (java, java / "scorer") for p in p.glob("*.java"))
    usage = re.search(r'static final String USAGE =(.*?)";\n', (java / "ScoreCommand.java").read_text(encoding="utf-8"),
                      re.S).group(1)
    stated = dict(re.findall(r"\[(--[a-z-]+) N \(default (\d+)", usage))
    assert {"--batch", "--max-body-bytes", "--read-timeout-seconds", "--write-timeout-seconds",
            "--shutdown-grace-seconds"} <= set(stated), stated
    constants = {"--batch": int(re.search(r"int CHUNK = (\d+);", source).group(1)),
                 "--max-body-bytes": int(re.search(r"DEFAULT_MAX_BODY_BYTES = (\d+)L << 20;", source).group(1)) << 20,
                 **{option: int(re.search(rf"DEFAULT_{name}_SECONDS = (\d+);", source).group(1))
                    for option, name in (("--read-timeout-seconds", "READ_TIMEOUT"),
                                         ("--write-timeout-seconds", "WRITE_TIMEOUT"),
                                         ("--shutdown-grace-seconds", "SHUTDOWN_GRACE"))}}
    text = " ".join(README.split())
    for option, value in stated.items():
        assert int(value) == constants[option], (option, value, constants[option])
        said = re.search(rf"`{option}( N)?`[^`]{{0,60}}?default ([\d,]+)( MiB)?", text)
        assert said, f"README gives no default for {option}"
        number = int(said.group(2).replace(",", "")) << (20 if said.group(3) else 0)
        assert number == int(value), (option, said.group(0), value)


def test_no_python_older_than_requires_python_is_described_outside_the_python_versions_section():
    """Behaviour the README gives for a Python that ``requires-python`` refuses (``on 3.9 ...``, ``before 3.11 ...``)
    is about no Python a user can run: only "Python versions" may name those (why they are not supported)."""
    minimum = int(re.search(r'requires-python = ">=3\.(\d+)"', (REPO / "pyproject.toml").read_text()).group(1))
    section = re.search(r"^### Python versions\n.*?(?=^##? )", README, re.S | re.M)
    assert section is not None, "README has no '### Python versions' section"
    rest = README[:section.start()] + README[section.end():]
    older = [found.group(0) for found in re.finditer(r"\b(Python|on|before)\s+(?:Python\s+)?3\.(\d+)\b", rest)
             if int(found.group(2)) < minimum or (found.group(1) == "before" and int(found.group(2)) <= minimum)]
    assert older == [], f"README describes Pythons below {minimum} (refused at install and import): {older}"
