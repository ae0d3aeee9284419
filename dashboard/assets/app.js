/* Clientside callbacks: opening a post from a graph, copying the view's link.
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
    currentLink: function () {
      return window.location.href;
    }
  }
});
