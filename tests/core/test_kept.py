"""core.kept: lists kept a minute per process, forgotten at once on a change seen here."""

import pytest

from core import kept


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(kept, "_clock", lambda: now[0])
    return now


def _counted(values):
    calls = []

    @kept.kept
    def load(*args):
        calls.append(args)
        return values[len(calls) - 1]

    return load, calls


def test_a_value_is_read_once_a_minute(clock):
    load, calls = _counted(["first", "second"])
    assert load() == "first"
    clock[0] += kept.KEPT_SECONDS - 1
    assert load() == "first"
    clock[0] += 2
    assert load() == "second"
    assert len(calls) == 2


def test_each_argument_is_kept_apart(clock):
    load, calls = _counted(["for 1", "for 2"])
    assert (load(1), load(2), load(1)) == ("for 1", "for 2", "for 1")
    assert calls == [(1,), (2,)]


def test_forgetting_reads_again_at_once(clock):
    load, calls = _counted(["old", "new"])
    load()
    kept.forget_all()
    assert load() == "new"
    assert len(calls) == 2


def test_a_value_read_while_it_was_forgotten_is_not_kept(clock):
    # A request read the old rows while another thread saved a change and forgot the lists.
    values = iter(["old", "new"])

    @kept.kept
    def load():
        value = next(values)
        if value == "old":
            kept.forget_all()
        return value

    assert load() == "old"
    assert load() == "new"


def test_the_number_of_kept_arguments_is_bounded(clock, monkeypatch):
    monkeypatch.setattr(kept, "MAX_ENTRIES", 3)
    load, calls = _counted([f"v{i}" for i in range(10)])
    for key in range(5):
        load(key)
    load(4)  # still kept
    load(0)  # dropped first: read again
    assert calls == [(0,), (1,), (2,), (3,), (4,), (0,)]
