/* Loads the maps only when they are wanted: a page's first load carries no map code.
 *
 * Each [data-map] box takes its place at once (no layout shift, as maps.js would), and Leaflet's
 * CSS and scripts and then maps.js (the URLs in this script's data-css and data-js, in order) are
 * loaded when a map comes within 300 px of the screen, or when the reader asks for a map (a click
 * on a [data-map-load] control, such as "Near me"). maps.js then draws every map in view.
 * Without JavaScript the map boxes stay hidden and the list of sales points is the page.
 */
(function () {
  "use strict";
  var me = document.currentScript;
  var maps = document.querySelectorAll("[data-map]");
  if (!me || !maps.length || !window.fetch) return;
  var css = (me.getAttribute("data-css") || "").split(" ").filter(Boolean);
  var js = (me.getAttribute("data-js") || "").split(" ").filter(Boolean);
  var started = false;

  function load() {
    if (started) return;
    started = true;
    css.forEach(function (href) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      document.head.appendChild(link);
    });
    js.forEach(function (src) {
      var script = document.createElement("script");
      script.src = src;
      script.async = false;   /* run in order: Leaflet, its plugins, maps.js */
      document.head.appendChild(script);
    });
  }

  Array.prototype.forEach.call(maps, function (el) {
    el.hidden = false;
    var box = el.closest(".map-box") || el.parentNode;
    box.querySelectorAll(".map-hint").forEach(function (p) { p.hidden = false; });
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-map-load]")) load();
  }, true);
  if (!("IntersectionObserver" in window)) return load();
  var seen = new IntersectionObserver(function (entries) {
    if (!entries.some(function (e) { return e.isIntersecting; })) return;
    seen.disconnect();
    load();
  }, { rootMargin: "300px" });
  Array.prototype.forEach.call(maps, function (el) { seen.observe(el); });
})();
