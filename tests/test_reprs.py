"""What a notebook shows of the objects a user makes (a cell's last expression is displayed with ``repr``): their
settings, never an object address or dozens of jar paths."""

from __future__ import annotations

import pytest

from dl4j_bridge.etl import (Categorical, ChronologicalSplit, CsvReader, JsonLinesReader, KeySplit, Label, Pipeline,
                             Sessions, Template, TextReader, Windows)
from dl4j_bridge.session import JVMConfig


def test_a_jvm_config_shows_its_classpath_as_a_jar_count_and_its_directories():
    # start_jvm() as a cell's last line displayed all 37 jar paths of the build
    jars = tuple(f"/opt/dl4j-bridge/lib/dep-{i}.jar" for i in range(37))
    text = repr(JVMConfig(classpath=jars, heap="1g", threads=2, cpu_build="avx2"))
    assert text.startswith("JVMConfig(classpath=<37 jars in /opt/dl4j-bridge/lib>, heap='1g', ")
    assert "threads=2" in text and "cpu_build='avx2'" in text and "dep-0.jar" not in text
    assert len(text) < 250


def test_etl_objects_show_what_they_were_made_with():
    reader = TextReader(log_format="<Node> <Content>")
    assert repr(reader) == "TextReader(log_format='<Node> <Content>', mode='strict')"
    assert repr(JsonLinesReader({"msg": "message"}, mode="lenient")) == "JsonLinesReader(fields=['msg'], mode='lenient')"
    assert repr(CsvReader()).startswith("CsvReader(")
    assert repr(Template("Content")) == "Template('Content')" and repr(Label("Flag")) == "Label('Flag')"
    assert repr(Windows(10, next_event=True)) == "Windows(length=10, stride=1, next_event=True, pad_last=False)"
    assert repr(Sessions("Node", max_length=50)) == "Sessions(key='Node', max_length=50, overflow='split', gap=None)"
    assert repr(ChronologicalSplit(0.3)) == "ChronologicalSplit(test_fraction=0.3)"
    assert repr(KeySplit("Node", 0.2, seed=1)) == "KeySplit(key='Node', test_fraction=0.2, seed=1)"


def test_a_pipeline_shows_its_parts_and_whether_it_is_fitted(tmp_path):
    log = tmp_path / "a.log"
    log.write_text("".join(f"n{i % 3} job {i % 4} started\n" for i in range(40)))
    pipeline = Pipeline(TextReader(log_format="<Node> <Content>"), [Template("Content"), Categorical("Node")],
                        sequence=Windows(5))
    expected = ("Pipeline(TextReader(log_format='<Node> <Content>', mode='strict'), [Template('Content'), "
                "Categorical('Node')], sequence=Windows(length=5, stride=1, next_event=False, pad_last=False), "
                "split=None)")
    assert repr(pipeline) == expected + " [not fitted]"
    pipeline.fit(str(log))
    n = len(pipeline.feature_names)
    assert repr(pipeline) == expected + f" [fitted: {n} features]"
    pipeline.save(tmp_path / "spec.json")
    assert repr(Pipeline.load(tmp_path / "spec.json")).endswith(f"[fitted: {n} features]")


def test_a_network_shows_its_sizes_and_the_settings_that_differ_from_the_reference_design(jvm):
    import dl4j_bridge as db

    assert repr(db.Network(db.LSTMConfig(n_in=3, n_out=2))) == "Network(n_in=3, n_out=2, hidden_sizes=(10,))"
    net = db.Network(db.LSTMConfig(n_in=3, n_out=4, hidden_sizes=(8, 8), dropout=0.2, class_weights=[1, 2, 3, 4]))
    assert repr(net) == ("Network(n_in=3, n_out=4, hidden_sizes=(8, 8), dropout=0.2, "
                         "class_weights=(1.0, 2.0, 3.0, 4.0))")
