"""The fixture blog: a WordPress site in Twenty Fifteen markup, generated with exact ground truth.

Used by the tests, the benchmarks and the README's offline demo (the bundled 2015 blog).
`Blog` (site.py) is one blog and its truth, with the shapes of real blogs as options;
`serve_blog` serves one, `serve_blogs` (many.py) many at once for the many-blogs mode.
"""

from fixture_site.many import BlogFarm, serve_blogs
from fixture_site.server import serve_blog
from fixture_site.site import Blog

__all__ = ["Blog", "BlogFarm", "serve_blog", "serve_blogs"]
