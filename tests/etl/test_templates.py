import json

import numpy as np
import pandas as pd
import pytest

from dl4j_bridge.etl import OOV_ID, TemplateMiner, TextReader


def test_masking_of_numbers_ips_hex_paths_and_urls():
    miner = TemplateMiner()
    assert miner.mask("Connected to 10.0.0.1:8080 in 35 ms") == "Connected to <*>:<*> in <*>"
    assert miner.mask("from 192.168.1.20 port 22") == "from <*> port <*>"
    assert miner.mask("ptr 0xdeadBEEF at /var/log/app/x.log") == "ptr <*> at <*>"
    assert miner.mask("GET http://example.com/a?b=1 ok") == "GET <*> ok"
    assert miner.mask("block blk_-123 and blk_456") == "block <*> and <*>"


def test_masking_a_megabyte_token_does_not_stall():
    """A long run of scheme characters with no "://" (a base64 blob) made the url rule quadratic (about 50 minutes
    for 1 MB) and so did a long run of blanks after a placeholder for the collapse rule. A hang guard with a wide
    margin, not a speed measurement (python/bench/parsing.py times the rules)."""
    import time

    miner = TemplateMiner()
    started = time.perf_counter()
    blob = "aGVsbG8+d29y.bGQ-" * 60_000
    assert miner.mask(f"payload {blob} end") == "payload <*> end"
    assert miner.mask("user " + "x" * 1_000_000 + " ok http://a.b/c") == "user " + "x" * 1_000_000 + " ok <*>"
    assert miner.mask("<*>" + " " * 1_000_000 + "x").startswith("<*>")
    assert time.perf_counter() - started < 30


def test_url_rule_keeps_its_matches_apart_from_a_scheme_glued_to_digits_or_dots():
    miner = TemplateMiner()
    for message, masked in [("see http://a.b/c now", "see <*> now"), ("(http://x.y)", "(<*>"),
                            ("url=https://h/p?q=1", "url=<*>"), ("xhttp://y", "<*>"),
                            ("...http://x", "<*>"), ("1abc://q", "<*>"), ("<*> , <*>  <*>", "<*>")]:
        assert miner.mask(message) == masked, message


def test_optional_rules_give_one_placeholder_per_address():
    from dl4j_bridge.etl import DEFAULT_MASKING, OPTIONAL_MASKING

    miner = TemplateMiner(masking=(OPTIONAL_MASKING["host:port"], OPTIONAL_MASKING["ipv4"]) + DEFAULT_MASKING)
    assert miner.mask("Connected to db-1.example.com:5432 in 35 ms") == "Connected to <*> in <*>"
    assert miner.mask("Connected to 10.0.0.1:8080 in 35 ms") == "Connected to <*> in <*>"
    assert TemplateMiner().mask("nic aa:bb:cc:dd:ee:ff up") == "nic <*> up"


def test_mask_many_equals_mask_per_line():
    miner = TemplateMiner()
    messages = ["a 1 b", "x\ny 2", "c 0xff", "", "d 3 3 3 e"]
    assert miner.mask_many(messages) == [miner.mask(m) for m in messages]


def test_mining_groups_and_oov_and_stable_ids():
    train = [f"user u{i} logged in from 10.0.0.{i}" for i in range(20)] + \
            [f"disk {i} failed" for i in range(5)] + ["service started"] * 3
    miner = TemplateMiner()
    fit_ids = miner.fit_predict(train)
    assert miner.n_templates == 3
    assert list(fit_ids[:20]) == [1] * 20 and list(fit_ids[20:25]) == [2] * 5 and list(fit_ids[25:]) == [3] * 3
    assert np.array_equal(miner.transform(train), fit_ids)
    ids = miner.transform(["user u99 logged in from 10.9.9.9", "completely new kind of message here", "disk 7 failed"])
    assert ids.tolist() == [1, OOV_ID, 2]
    assert miner.template_of(OOV_ID) == "<OOV>"


def test_few_distinct_words_are_kept_as_constants():
    lines = [f"VM {state} (Lifecycle Event) {i}" for i, state in enumerate(["Paused", "Resumed", "Started"] * 4)]
    ids = TemplateMiner().fit_predict(lines)
    assert len(set(ids)) == 3


def test_save_load_round_trip_gives_same_ids():
    lines = [f"job {i} took {i * 3} ms on node-{i % 4}" for i in range(50)] + ["shutdown requested"]
    miner = TemplateMiner()
    miner.fit(lines)
    again = TemplateMiner.from_dict(json.loads(json.dumps(miner.to_dict())))
    probe = lines + ["job 7 took 1 s on node-1", "unseen message"]
    assert np.array_equal(miner.transform(probe), again.transform(probe))
    assert again.templates == miner.templates


def test_each_distinct_shape_is_masked_once(monkeypatch):
    miner = TemplateMiner().fit(["a 1", "b 2"])
    calls = []
    original = miner._mask_normalised
    monkeypatch.setattr(miner, "_mask_normalised", lambda xs: calls.append(len(xs)) or original(xs))
    miner.transform([f"a {i}" for i in range(100, 1000)])
    miner.transform([f"a {i}" for i in range(100, 1000)])
    assert calls == [1]  # 900 messages, one shape, masked once, then memoised


def test_hdfs_2k_grouping_matches_loghub(loghub_2k):
    frame = TextReader("<Date> <Time> <Pid> <Level> <Component>: <Content>").read(
        str(loghub_2k / "HDFS" / "HDFS_2k.log"))
    truth = pd.read_csv(loghub_2k / "HDFS" / "HDFS_2k.log_structured.csv")
    ids = TemplateMiner().fit_predict(frame["Content"].tolist())
    table = pd.crosstab(truth["EventId"], ids)
    assert ((table > 0).sum(axis=0) == 1).all() and ((table > 0).sum(axis=1) == 1).all()


def test_an_id_outside_the_vocabulary_has_no_template():
    """A negative id named a template from the end of the list."""
    from dl4j_bridge.etl.templates import TemplateMiner

    miner = TemplateMiner()
    miner.fit(["connect from 10.0.0.1", "disk full on sda"])
    n = len(miner.templates)
    assert miner.template_of(n)
    for bad in (-1, n + 1):
        with pytest.raises(IndexError, match=rf"template id {bad} is outside the vocabulary \(0 to {n}\)"):
            miner.template_of(bad)


def test_a_message_holding_the_record_separator_is_mined_as_any_other():
    """U+001E is valid log text: it stopped the whole score ('messages must not contain the record separator
    U+001E', exit 3 in lenient mode too) where the JVM scored it."""
    miner = TemplateMiner()
    codes, uniques = miner.normalise_unique(["end\x1e 12", "end\x1e 34", "other 5"])
    assert codes.tolist() == [0, 0, 1] and uniques == ["end\x1e 00", "other 0"]
    miner.fit(["PacketResponder 1 terminating\x1e end", "PacketResponder 2 terminating\x1e end", "other 5"])
    ids = miner.transform(["PacketResponder 3 terminating\x1e end", "other 6"])
    assert ids[0] == miner.transform(["PacketResponder 1 terminating\x1e end"])[0] != OOV_ID


def _distinct_words(start: int, n: int, width: int) -> list[str]:
    """``n`` distinct letter-only words (digits would be zeroed away), ``width`` characters each."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = []
    for i in range(start, start + n):
        word = ""
        while True:
            i, r = divmod(i, 26)
            word += letters[r]
            if not i:
                break
        words.append((word + "q") * (width // (len(word) + 1)))
    return words


def test_the_transform_memos_are_bounded_in_characters_not_only_in_entries():
    """``score --input -`` kept every distinct message in the memos, bounded only by 1,000,000 entries each: on an
    endless stream of distinct long messages (stack traces) the memory grew with the input to gigabytes. They now
    stop at ``memo_chars`` characters (and fewer entries), and the ids do not change."""
    import tracemalloc

    train = [f"session opened for user {w}" for w in _distinct_words(0, 50, 8)] + ["disk full on volume"] * 20
    bounded = TemplateMiner(memo_chars=200_000).fit(train)
    unbounded = TemplateMiner(memo_chars=10**12).fit(train)
    assert TemplateMiner().memo_chars <= 32_000_000 and TemplateMiner().memo_size <= 250_000

    def batch(start):   # 400 distinct messages of ~1,000 characters: 400,000 characters, twice the bound
        return [f"session opened for user {w}" for w in _distinct_words(start, 400, 1000)]

    first = batch(10_000)
    assert list(bounded.transform(first)) == list(unbounded.transform(first))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        second = batch(20_000)
        ids = bounded.transform(second)
        del second
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert list(ids) == list(unbounded.transform(batch(20_000)))
    held = sum(map(len, bounded._memo)) + sum(map(len, bounded._masked_memo))
    assert held <= 200_000
    assert grown < 100_000, grown   # a full memo keeps no more of the next 400,000 characters
