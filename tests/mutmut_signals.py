"""A pytest plugin for `make mutate` only (pyproject.toml's [tool.mutmut] loads it).

mutmut 3 wraps each mutated function in `def wrapper(*args, **kwargs)`. Scrapy delivers a
signal through PyDispatcher's `robustApply`, which reads the receiver's code object to pass it
only the keyword arguments it declares; through the wrapper it sees `**kwargs` and passes every
one (`signal`, `sender`, ...), so each handler of the crawl record raised TypeError and no test
of it could pass. Here `robustApply` reads the code of the function the wrapper wraps (its
`__wrapped__`, set by functools.wraps), as it would without mutmut.
"""

from __future__ import annotations

import inspect

from pydispatch import robustapply

_function = robustapply.function


def _unwrapped(receiver):
    receiver, code, from_method = _function(receiver)
    inner = inspect.unwrap(getattr(receiver, "__func__", receiver))
    return receiver, getattr(inner, "__code__", code), from_method


robustapply.function = _unwrapped
