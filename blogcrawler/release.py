"""The `release` process: prepare the database before a new version starts serving.

    python -m blogcrawler.release

A PaaS runs it once per deploy, before the new `web`, `clock` and `worker` processes start
(Heroku's release phase; Render's pre-deploy command; Dokku's `release` Procfile entry). It
creates every index the processes rely on: the posts' (a unique one on the URL, so upserts can
never duplicate a post; site and year), the crawl records' (the newest record of a site-year,
which the dashboard reads every few seconds), and the many-blogs jobs' (by state, by site and
year; the `blogs` list needs none beyond its `_id`). It migrates posts stored by an older
version (`year` was the ISO year of the post's date; it is now the calendar year, with
`iso_year` beside it). Creating an index that exists is a no-op and a migrated post is not
touched again, so it is safe on every deploy.

Exit status: 0 the indexes are in place; 2 the database is unreachable or refused (one sentence
on stderr, the URI's password masked), which makes the platform abort the deploy; 3 the
summaries of some site-years could not be computed (one sentence naming them; the others are
written, and the traceback is in the log).
"""

from __future__ import annotations

import os
import sys

from pymongo.errors import PyMongoError
from scrapy.utils.project import get_project_settings

from blogcrawler.jobs import JobStore
from blogcrawler.storage import Storage, StorageUnavailableError, mask_uri
from blogstats.config import load
from blogstats.summaries import SummariesError, release_step

EXIT_UNAVAILABLE = 2
EXIT_SUMMARIES = 3


def main() -> int:
    # The crawler's own settings (environment variables included), wherever this runs from.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "blogcrawler.settings")
    storage = Storage.from_settings(get_project_settings())
    where = f"{storage.database_name} on {mask_uri(storage.uri)}"
    # (A wrong setting has stopped the process already, when the settings were read.)
    jobs = JobStore.from_config(load(), appname="blogstats-release")
    try:
        storage.check()
        storage.ensure_indexes()
        jobs.ensure_indexes()
        migrated = storage.migrate_calendar_year()
        release_step(storage)  # the dashboard's summaries of posts stored before, and its indexes
    except StorageUnavailableError as exc:
        print(f"release: error: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except SummariesError as exc:
        print(f"release: error: {exc}", file=sys.stderr)
        return EXIT_SUMMARIES
    except PyMongoError as exc:
        # E.g. a user without the right to create indexes: say which database and why.
        # pymongo appends the server's whole reply ("full error: {...}"): the first part says it.
        lines = str(exc).split(", full error:")[0].strip().splitlines()
        reason = lines[0][:300] if lines else type(exc).__name__
        print(f"release: error: could not create the indexes in {where}: {reason}",
              file=sys.stderr)
        return EXIT_UNAVAILABLE
    finally:
        storage.close()
        jobs.close()
    print(f"release: indexes ready in {where} (collections {storage.posts_name}, "
          f"{storage.crawls_name}, {jobs.jobs_name}, {jobs.blogs_name})", flush=True)
    if migrated:
        print(f"release: {migrated} posts now have `year` as the calendar year of their date "
              "(and `iso_year`/`iso_week` for weekly views)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
