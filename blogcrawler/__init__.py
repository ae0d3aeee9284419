"""blogstats crawler: a blog's year of posts, measured and stored in MongoDB."""
