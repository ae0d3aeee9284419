"""The post document (collection `posts`); DESIGN.md gives each field's exact definition."""

from scrapy import Field, Item


class PostItem(Item):
    """One measured post, as the spider yields it and the pipelines store it."""

    # identity
    url = Field()  # canonical URL (unique key)
    site = Field()  # the blog's root URL
    title = Field()
    # dates: BSON datetimes in UTC; `date` is the calendar day as the blog wrote it
    published = Field()
    modified = Field()
    date = Field()
    year = Field()  # calendar year of `date` (what /<year>/ means)
    iso_year = Field()  # ISO year and week of `date`, for weekly views
    iso_week = Field()
    week = Field()  # the blog's own "Week N", else iso_week
    author = Field()
    categories = Field()
    tags = Field()
    # what the main content holds
    words = Field()
    paragraphs = Field()
    headings = Field()
    headings_by_level = Field()
    images = Field()
    links = Field()
    links_internal = Field()
    links_external = Field()
    list_items = Field()
    blockquotes = Field()
    embeds = Field()
    tables = Field()
    html_bytes = Field()
    content_bytes = Field()
    comments = Field()
    terms = Field()
    content_hash = Field()
    extractor = Field()
    # provenance
    crawled_at = Field()
    crawl_id = Field()
    archived_at = Field()  # only for a post measured from a Wayback capture: the capture's time


POST_FIELDS = tuple(PostItem.fields)
