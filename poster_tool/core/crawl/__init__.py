"""The crawler: poster pools from TMDB or from HTML sites described by a recipe.

``crawl(workspace, store, source, CrawlConfig(...))`` is the job (a generator of
``Progress`` returning a ``CrawlReport``); a source is ``TmdbSource``, ``GallerySource``
or ``QueuedUrls``.  Fetching (:mod:`.fetch`) is separate from parsing (:mod:`.parse`).
"""

from __future__ import annotations

from poster_tool.core.crawl.fetch import FetchConfig, Fetcher, FetchError
from poster_tool.core.crawl.gallery import GallerySource
from poster_tool.core.crawl.recipe import Recipe, load_recipe, shipped_recipes
from poster_tool.core.crawl.report import CrawlReport
from poster_tool.core.crawl.run import CrawlConfig, QueuedUrls, crawl
from poster_tool.core.crawl.tmdb import TmdbSource

__all__ = [
    "CrawlConfig",
    "CrawlReport",
    "FetchConfig",
    "FetchError",
    "Fetcher",
    "GallerySource",
    "QueuedUrls",
    "Recipe",
    "TmdbSource",
    "crawl",
    "load_recipe",
    "shipped_recipes",
]
