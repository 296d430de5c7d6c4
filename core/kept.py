"""Short lists that busy pages read on every request and that rarely change (the topics, the
advisors' names in a drop-down), kept in each process for a minute (issue 14: two of the
queue's eight statements).

How fresh they are:
- A change this process makes is seen at once: the signals that mark one (a topic saved, a
  user saved or given a role; see casework.apps) forget every kept list.
- A change another process makes (another gunicorn worker, the admin in another request
  handled elsewhere) is seen within KEPT_SECONDS.
- Nothing is decided on a kept list: it fills a page's drop-downs and names. An assignment
  checks the advisor against the database (casework.services._check_assignee), and access is
  never read from here.

A kept value is shared by every request of the process, so it must not be changed: the
functions return tuples.
"""

import threading
import time
from functools import wraps

KEPT_SECONDS = 60
MAX_ENTRIES = 256

_kept = []  # every kept function's entries, for forget_all
_lock = threading.Lock()
_clock = time.monotonic
_generation = 0  # counts the forgettings: a value read before one is not kept after it


def kept(load):
    """`load(*args)` kept per arguments for KEPT_SECONDS (at most MAX_ENTRIES argument
    tuples; the oldest are dropped first)."""
    entries = {}
    _kept.append(entries)

    @wraps(load)
    def wrapper(*args):
        now = _clock()
        entry = entries.get(args)
        if entry is not None and entry[0] > now:
            return entry[1]
        generation = _generation
        value = load(*args)
        with _lock:
            if generation != _generation:
                return value
            if len(entries) >= MAX_ENTRIES:
                entries.pop(next(iter(entries)))
            entries[args] = (now + KEPT_SECONDS, value)
        return value

    return wrapper


def forget_all(**signal_kwargs):
    """Forget every kept value (a receiver for the signals that mark a change)."""
    global _generation
    with _lock:
        _generation += 1
        for entries in _kept:
            entries.clear()
