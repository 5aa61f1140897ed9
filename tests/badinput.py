"""Helpers to write bad-input cases (see tests/test_bad_inputs.py).

``bad(fn, what, arg, *args, **kwargs)``: calling ``fn(*args, **kwargs)`` must raise
``ValueError`` or ``TypeError`` whose message names ``arg``; ``check(...)``: an exercise
check given a learner's wrong answer raises ``CheckFailed`` naming the learner's function;
``names(*cases)``: the list of cases of one callable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nnlab.exercises import CheckFailed

BAD = (ValueError, TypeError)


@dataclass
class Bad:
    """One bad call: ``fn(*args, **kwargs)`` must raise ``error`` naming ``arg``."""

    what: str
    arg: str
    fn: Callable
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    error: tuple | type = BAD
    env: dict = field(default_factory=dict)


def bad(fn: Callable, what: str, arg: str, *args, error=BAD, env=None, **kwargs) -> Bad:
    return Bad(what, arg, fn, args, kwargs, error, env or {})


def check(fn: Callable, what: str, named: str, *args, **kwargs) -> Bad:
    """An exercise check given a learner's wrong answer: a CheckFailed hint naming ``named``."""
    return Bad(what, named, fn, args, kwargs, CheckFailed)


def names(*cases: Bad) -> list[Bad]:
    return list(cases)
