"""Two transactions racing, deterministically: the first holds its transaction open until the
second has had its chance to run."""

import threading

from django.core.exceptions import ValidationError
from django.db import connections, transaction


def in_threads(first, second):
    """``first`` runs in a transaction held open until ``second`` has had its chance to run
    (it is then finished, or waiting for a lock ``first`` holds); each outcome: "done" or the
    ValidationError's message."""
    outcomes, acted, release = {}, threading.Event(), threading.Event()

    def run(name, action, hold=False):
        try:
            with transaction.atomic():
                action()
                if hold:
                    acted.set()
                    release.wait(timeout=30)
            outcomes[name] = "done"
        except ValidationError as error:
            outcomes[name] = error.messages[0]
        except Exception as error:  # noqa: BLE001 - a database error is an outcome here
            outcomes[name] = type(error).__name__
        finally:
            acted.set()
            connections.close_all()

    one = threading.Thread(target=run, args=("first", first, True))
    one.start()
    assert acted.wait(timeout=30)
    two = threading.Thread(target=run, args=("second", second))
    two.start()
    two.join(timeout=0.5)
    release.set()
    for thread in (one, two):
        thread.join(timeout=30)
        assert not thread.is_alive()
    return outcomes
