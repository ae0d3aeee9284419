"""The one configuration (blogstats.config) and the one masking rule (blogstats.mongo)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from blogstats.config import ConfigError, load, markdown_table
from blogstats.mongo import make_client, mask_uri, scrub
from tests.conftest import ROOT


def test_defaults_need_no_environment():
    config = load({})
    assert (config.blog_url, config.blog_year, config.discovery) == \
        ("http://malm.teqy.net", 2015, "auto")
    assert config.tracked_terms == ("android", "google", "apple", "data")
    assert config.autothrottle_enabled is True and config.download_delay == 0.5


def test_values_are_typed_and_an_empty_variable_means_the_default():
    config = load({"BLOG_YEAR": " 2016 ", "AUTOTHROTTLE_ENABLED": "off", "DOWNLOAD_DELAY": "0",
                   "TRACKED_TERMS": "Data, AI,,data", "LOG_LEVEL": "debug", "MONGODB_BATCH_SIZE": ""})
    assert config.blog_year == 2016 and config.autothrottle_enabled is False
    assert config.download_delay == 0 and config.mongodb_batch_size == 100
    assert config.tracked_terms == ("data", "ai") and config.log_level == "DEBUG"


@pytest.mark.parametrize("env, sentence", [
    ({"BLOG_YEAR": "twenty"}, "BLOG_YEAR='twenty' is not a whole number, e.g. BLOG_YEAR=2015"),
    ({"BLOG_YEAR": "1066"}, "BLOG_YEAR='1066' must be at least 1995"),
    ({"MONGODB_BATCH_SIZE": "0"}, "MONGODB_BATCH_SIZE='0' must be at least 1"),
    ({"DOWNLOAD_DELAY": "-1"}, "DOWNLOAD_DELAY='-1' must be at least 0"),
    ({"CRAWL_ON_START": "maybe"}, "CRAWL_ON_START='maybe' must be true or false"),
    ({"CRAWL_INTERVAL_HOURS": "inf"}, "CRAWL_INTERVAL_HOURS='inf' must be a finite number"),
    ({"DISCOVERY": "ftp"}, "DISCOVERY='ftp' must be one of auto, archive, rest, sitemap"),
    ({"BLOG_URL": "ftp://blog.example"}, "BLOG_URL='ftp://blog.example' is not an http(s) URL"),
    ({"BLOG_URL": "not a url"}, "BLOG_URL='not a url' is not an http(s) URL"),
    ({"MONGODB_URI": "localhost:27017"}, "must start with mongodb:// or mongodb+srv://"),
    ({"DASHBOARD_STATUS_INTERVAL_MS": "5s"}, "is not a whole number"),
    ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' must start with redis://"),
    ({"WORKER_CONCURRENCY": "0"}, "WORKER_CONCURRENCY='0' must be at least 1"),
    ({"JOB_LEASE_SECONDS": "1"}, "JOB_LEASE_SECONDS='1' must be at least 5"),
    ({"PROGRESS": "fancy"}, "PROGRESS='fancy' must be one of auto, bar, log, off"),
    ({"BLOG_URL": "htp:/blog.example"}, "BLOG_URL='htp:/blog.example' is not an http(s) URL"),
])
def test_a_wrong_value_is_one_sentence_naming_the_variable(env, sentence):
    with pytest.raises(ConfigError) as caught:
        load(env)
    assert sentence in str(caught.value)
    assert "\n" not in str(caught.value)


def test_every_process_refuses_a_wrong_value_the_same_way():
    env = {**os.environ, "BLOG_YEAR": "twenty", "CRAWL_INTERVAL_HOURS": "daily"}
    for command in (["-m", "blogstats.config"], ["-m", "scrapy", "crawl", "blog"],
                    ["-m", "blogcrawler.release"]):
        result = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, text=True,
                                capture_output=True, timeout=60)
        assert result.returncode == 2, (command, result.stderr[-2000:])
        assert "BLOG_YEAR='twenty' is not a whole number" in result.stderr
        assert "Traceback" not in result.stderr


def test_the_readme_table_is_the_configuration():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme


# -- secrets ------------------------------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "s3cret", "p%40ss%2Fw", "ab+c/d=e==", "pa?ss#word", "p@ss@word", "a:b:c", "[x]y"])
def test_a_password_never_shows_whatever_characters_it_holds(password):
    uri = f"mongodb://crawler:{password}@db.example:27017/blogstats?authSource=admin"
    masked = mask_uri(uri)
    assert password not in masked
    assert masked.endswith("@db.example:27017/blogstats?authSource=admin")
    assert password not in scrub(f"could not connect with {uri}: bad {password}", uri)


def test_secret_options_in_the_query_string_are_masked():
    uri = ("mongodb://db.example/?tls=true&tlsCertificateKeyFilePassword=k3y-pass"
           "&authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:t0ken")
    masked = mask_uri(uri)
    assert "k3y-pass" not in masked and "t0ken" not in masked
    assert "tls=true" in masked and "authMechanism=MONGODB-AWS" in masked


def test_an_unusable_uri_is_a_config_error_without_the_password():
    uri = "mongodb://crawler:ab+c/d=e@db.example:27017/blogstats"
    with pytest.raises(ConfigError) as caught:
        make_client(uri, timeout_seconds=1, appname="test")
    assert "ab+c/d=e" not in str(caught.value)
    assert "percent-encode" in str(caught.value)
