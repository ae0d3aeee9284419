/* Clientside callbacks: opening a post from a graph, copying the view's link, refreshing the
   posts table.
   Only http(s) URLs are ever opened: the URL comes from the data, and data can be hostile
   (a `javascript:` URL must never run). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  blogstats: {
    safePostUrl: function (value) {
      if (typeof value !== "string") { return null; }
      try {
        var url = new URL(value);
        return (url.protocol === "http:" || url.protocol === "https:") ? url.href : null;
      } catch (e) {
        return null;
      }
    },
    openPost: function () {
      var ctx = window.dash_clientside.callback_context;
      var click = ctx && ctx.triggered && ctx.triggered.length ? ctx.triggered[0].value : null;
      var point = click && click.points && click.points[0];
      // The post's URL is the last customdata field of every trace that has posts.
      var data = point && Array.isArray(point.customdata) ? point.customdata : null;
      var url = data ? window.dash_clientside.blogstats.safePostUrl(data[data.length - 1]) : null;
      if (!url) { return window.dash_clientside.no_update; }
      window.open(url, "_blank", "noopener,noreferrer");
      return url;
    },
    rememberZoom: function (relayout, figure) {
      // The x range the user zoomed to, tagged with the figure's uirevision so that a zoom on
      // one site/year/x axis is never applied to another.
      var noUpdate = window.dash_clientside.no_update;
      if (!relayout) { return noUpdate; }
      var rev = figure && figure.layout ? figure.layout.uirevision : null;
      if (relayout["xaxis.autorange"]) { return {rev: rev, range: null}; }
      var range = relayout["xaxis.range"] ||
        ("xaxis.range[0]" in relayout ? [relayout["xaxis.range[0]"], relayout["xaxis.range[1]"]]
                                      : null);
      return range ? {rev: rev, range: range} : noUpdate;
    },
    currentLink: function () {
      return window.location.href;
    },
    refreshTable: function () {
      // Another site, year or crawl: the grid drops the pages it holds and asks the server
      // again (its infinite row model otherwise keeps showing the old ones).
      var grid = window.dash_ag_grid;
      if (grid && grid.getApiAsync) {
        grid.getApiAsync("posts-table").then(function (api) {
          api.purgeInfiniteCache();
        }).catch(function () { /* not drawn yet: it will ask for its rows when it is */ });
      }
      return window.dash_clientside.no_update;
    }
  }
});
