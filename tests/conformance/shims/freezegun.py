"""A stand-in for ``freezegun``, which moto's suite imports and Tobira does not install.

``run_moto.py`` puts this directory first on the moto process's path, so the results do not
depend on whether the real package is installed. In server mode a frozen clock acts on the
client alone: the tests' assertions on frozen timestamps are all behind ``if not
settings.TEST_SERVER_MODE``, and the one thing a frozen clock still does against a real server is
sign requests in 2012, which Tobira (like AWS) refuses as expired. So ``freeze_time`` here leaves
the clock alone: a decorator and a context manager that do nothing.
"""

from __future__ import annotations

import functools
import inspect


class freeze_time:  # noqa: N801 - freezegun's name
    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def start(self):
        return self

    def stop(self):
        pass

    def __call__(self, func):
        if inspect.isclass(func):
            return func

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return func(*args, **kwargs)

        return wrapper
