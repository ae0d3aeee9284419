"""The `release` process: prepare the database before a new version starts serving.

    python -m blogcrawler.release

A PaaS runs it once per deploy, before the new `web` and `clock` processes start (Heroku's
release phase; Render's pre-deploy command; Dokku's `release` Procfile entry). It creates the
indexes the crawler and the dashboard rely on (a unique index on the posts' URL, so upserts can
never duplicate a post), and migrates posts stored by an older version (`year` was the ISO year
of the post's date; it is now the calendar year, with `iso_year` beside it). Creating an index
that exists is a no-op and a migrated post is not touched again, so it is safe on every deploy.

Exit status: 0 the indexes are in place; 2 the database is unreachable or refused (one sentence
on stderr, the URI's password masked), which makes the platform abort the deploy.
"""

from __future__ import annotations

import os
import sys

from pymongo.errors import PyMongoError
from scrapy.utils.project import get_project_settings

from blogcrawler.storage import Storage, StorageUnavailableError, mask_uri
from blogstats.summaries import release_step

EXIT_UNAVAILABLE = 2


def main() -> int:
    # The crawler's own settings (environment variables included), wherever this runs from.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "blogcrawler.settings")
    storage = Storage.from_settings(get_project_settings())
    where = f"{storage.database_name} on {mask_uri(storage.uri)}"
    try:
        storage.check()
        storage.ensure_indexes()
        migrated = storage.migrate_calendar_year()
        release_step(storage)  # the dashboard's summaries of posts stored before, and its indexes
    except StorageUnavailableError as exc:
        print(f"release: error: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
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
    print(f"release: indexes ready in {where} "
          f"(collections {storage.posts_name}, {storage.crawls_name})", flush=True)
    if migrated:
        print(f"release: {migrated} posts now have `year` as the calendar year of their date "
              "(and `iso_year`/`iso_week` for weekly views)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
