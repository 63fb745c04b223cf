"""A log_format that does not fit the log: a fit says where it stops matching (the fields read up to there and
the part of the format the rest of the line does not match), so that a user writing a format for their own log
sees the field too many or the wrong separator instead of only "line does not match the log format"."""

from __future__ import annotations

import pytest

from dl4j_bridge.etl import BadLineError, EtlError, Pipeline, Template, TextReader, Windows
from dl4j_bridge.etl.readers import format_mismatch

SSH = "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186"   # loghub's OpenSSH
SSH_FORMAT = r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>"
HEALTH = "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579"            # loghub's HealthApp


def test_a_field_too_many_is_shown_with_the_fields_read_up_to_it():
    said = format_mismatch(r"<Date> <Day> <Time> <Host> <Component> sshd\[<Pid>\]: <Content>", SSH)
    assert said == ("the format matches the line up to <Host> (Date='Dec', Day='10', Time='06:55:46', Host='LabSZ'); "
                    r"the format's next part, '<Component> sshd\[', does not match the rest of the line, "
                    "'sshd[24200]: Invalid user webmaster from 173.234.31.186': is a field too many or missing there, "
                    "or the text between the fields different?")


def test_other_text_between_fields_and_another_separator_are_shown_where_they_are():
    said = format_mismatch(r"<Date> <Day> <Time> <Component> sshd\[<Pid>\] <Content>", SSH)   # the ':' left out
    assert said.startswith("the format matches the line up to <Component> (Date='Dec', Day='10', Time='06:55:46', "
                           r"Component='LabSZ'); the format's next part, '<Pid>\] ', does not match the rest of the "
                           "line, '24200]: Invalid user")
    said = format_mismatch("<Time>,<Component>,<Pid>,<Content>", HEALTH)   # '|' separates the fields
    assert said == ("not even the format's first part, '<Time>,', matches the start of the line, "
                    "'20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3...': check the first field and the "
                    "text after it (another separator?)")
    said = format_mismatch(r"\[<Time>\] <Level>: <Content>", "[Sun Dec 04 04:47:44 2005] [notice] ok")
    assert said.startswith("the format matches the line up to <Time> (Time='Sun Dec 04 04:47:44 2005'); the format's "
                           "next part, '<Level>: ', does not match the rest of the line, '[notice] ok'")
    said = format_mismatch(r"\[<Time>\] \[<Level>\] <Content>", "Sun Dec 04 04:47:44 2005 notice ok")
    assert said.startswith(r"not even the format's first part, '\[<Time>\] \[', matches the start of the line")


def test_a_line_the_format_matches_gets_none():
    assert format_mismatch(SSH_FORMAT, SSH) is None
    assert format_mismatch(r"<Time>\|<Component>\|<Pid>\|<Content>", HEALTH) is None


def test_a_fit_says_it_in_strict_and_in_lenient_mode_and_scoring_keeps_the_launchers_words(tmp_path):
    log = tmp_path / "ssh.log"
    log.write_text("\n".join([SSH] * 30) + "\n")
    wrong = r"<Date> <Day> <Time> <Host> <Component> sshd\[<Pid>\]: <Content>"
    pipeline = Pipeline(TextReader(wrong), [Template("Content")], sequence=Windows(length=3))
    with pytest.raises(BadLineError) as caught:
        pipeline.fit(str(log))
    assert str(caught.value).startswith(f"{log}:1: no format match: line does not match the log format; the format "
                                        "matches the line up to <Host> (Date='Dec', Day='10', Time='06:55:46', "
                                        "Host='LabSZ'); the format's next part")
    assert caught.value.line == 1 and caught.value.reason.startswith("no format match: ")
    lenient = Pipeline(TextReader(wrong, mode="lenient"), [Template("Content")], sequence=Windows(length=3))
    with pytest.raises(EtlError, match=r"no training records in .*; on its first line, the format matches the line up "
                                       r"to <Host> \(Date='Dec'"):
        lenient.fit(["", SSH, SSH])
    # scoring (transform) is the launcher's business too: its words stay the shared ones
    good = Pipeline(TextReader(SSH_FORMAT), [Template("Content")], sequence=Windows(length=3)).fit(str(log))
    with pytest.raises(BadLineError) as caught:
        good.transform([SSH, "Dec 10 06:55:46 LabSZ su[1]: other"])
    assert str(caught.value) == "<lines>:2: no format match: line does not match the log format"
