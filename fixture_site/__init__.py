"""The fixture blog: a WordPress site in Twenty Fifteen markup, generated with exact ground truth.

Used by the tests, the benchmarks and the README's offline demo (the bundled 2015 blog).
"""

from fixture_site.server import serve_blog
from fixture_site.site import Blog

__all__ = ["Blog", "serve_blog"]
