"""What a post page is, and which URL its document keeps (pure: no server)."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Response, TextResponse

from blogcrawler.pages import document_url, not_a_post, same_page
from fixture_site import Blog

ROOT = "http://blog.test/"
POST = f"{ROOT}2015/01/07/week-1/"


def html(body: bytes, status: int = 200) -> HtmlResponse:
    return HtmlResponse(POST, status=status, body=body, encoding="utf-8")


def test_a_real_post_page_is_a_post():
    blog = Blog(ROOT)
    assert not_a_post(html(blog.render(blog.year_posts()[0].path)[2])) is None


@pytest.mark.parametrize(("response", "why"), [
    (Response(POST, body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"}),
     "not an HTML page (application/pdf)"),
    (TextResponse(POST, body=b'{"a": 1}', headers={"Content-Type": "application/json"}),
     "not an HTML page (application/json)"),
    (html(b"  \n "), "an empty page"),
    (html(Blog(ROOT).not_found().encode()), "soft 404"),  # WordPress's own 404 template
    (html(b"<html><head><title>Page not found &#8211; Blog</title></head><body></body></html>"),
     "soft 404"),  # a theme without the error404 class
    (html(b"<html><head><title>404 Not Found</title></head><body><p>x</p></body></html>"),
     "soft 404"),
])
def test_what_is_not_a_post_says_why(response, why):
    assert why in not_a_post(response)


@pytest.mark.parametrize("title", ["404 errors explained", "Not found in translation, week 3",
                                   "Week 12: nothing found yet about Android"])
def test_a_post_that_talks_about_404s_is_still_a_post(title):
    page = f"<html><head><title>{title} | Blog</title></head><body class='single'><p>x</p>"
    assert not_a_post(html(page.encode())) is None


def test_a_canonical_naming_the_same_page_is_followed():
    # asked without the slash, redirected with a query: the canonical names the asked page
    assert document_url(POST, POST.rstrip("/"), POST + "?moved=1", ROOT) == (POST, None)
    assert same_page("https://www.blog.test/2015/01/07/week-1", POST)
    assert not same_page(POST + "?p=2", POST)


@pytest.mark.parametrize(("canonical", "why"), [
    (ROOT, "the home page"),
    (f"{ROOT}2015/", "an archive"),
    (f"{ROOT}category/news/", "an archive"),
    (f"{ROOT}2015/01/14/week-2/", "another post"),
    (f"{ROOT}about/", "another page"),
])
def test_a_canonical_naming_another_page_is_not_trusted(canonical, why):
    listed = {f"{ROOT}2015/01/14/week-2/"}
    assert document_url(canonical, POST, POST, ROOT, is_post=listed.__contains__) == (POST, why)
