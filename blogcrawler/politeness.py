"""A blog's concurrency holds whatever the delay: the floor under every download delay.

Scrapy 2.19's downloader starts queued requests of a slot in a loop that checks the slot's free
transfer places, but a request only counts as transferring once its download coroutine has run,
on the next turn of the event loop. With a delay of 0 the loop therefore starts every queued
request at once (7 in flight to one blog with BLOG_CONCURRENCY=1 were measured); with any delay
above 0 it starts one, and the next only after the delay, by which time the first counts. So a
delay of 0 is raised to MIN_DOWNLOAD_DELAY (1 ms: a blog still gets up to 1000 requests a second,
far above any real pace) here, in one place, after every other source of settings (the
environment, `-s`, the spider's own slots) has spoken:

- `DOWNLOAD_DELAY`, the delay of every blog's slot (and AutoThrottle's lower bound, so
  AutoThrottle never goes under it either);
- the `delay` of each `DOWNLOAD_SLOTS` entry (e.g. the Wayback Machine's slot).

`DelayFloor` is a Scrapy add-on (the `ADDONS` setting): add-ons update the settings when each
crawler starts, after the command line, so `scrapy crawl blog -s DOWNLOAD_DELAY=0` and every
crawl of a worker get the floor alike.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

MIN_DOWNLOAD_DELAY = 0.001


def floored(delay: float) -> float:
    return max(float(delay), MIN_DOWNLOAD_DELAY)


class DelayFloor:
    """Scrapy add-on: no download delay below MIN_DOWNLOAD_DELAY (see the module's docstring)."""

    def update_settings(self, settings) -> None:
        delay = settings.getfloat("DOWNLOAD_DELAY")
        if delay < MIN_DOWNLOAD_DELAY:
            # At the priority it was set with, so nothing set later at a lower one undoes it.
            settings.set("DOWNLOAD_DELAY", MIN_DOWNLOAD_DELAY,
                         priority=settings.getpriority("DOWNLOAD_DELAY"))
            logger.debug("DOWNLOAD_DELAY %g raised to %g s: Scrapy keeps a blog's concurrency "
                         "only above 0", delay, MIN_DOWNLOAD_DELAY)
        slots = settings.getdict("DOWNLOAD_SLOTS")
        low = {name: slot for name, slot in slots.items()
               if "delay" in slot and float(slot["delay"]) < MIN_DOWNLOAD_DELAY}
        if low:
            raised = {**slots, **{name: {**slot, "delay": floored(slot["delay"])}
                                  for name, slot in low.items()}}
            settings.set("DOWNLOAD_SLOTS", raised,
                         priority=settings.getpriority("DOWNLOAD_SLOTS"))
