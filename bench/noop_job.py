"""The job both engines run in bench/engine_compare.py: nothing, from a module that imports
nothing, so that the queue's own cost is what is measured."""


def noop() -> None:
    """Do nothing."""
