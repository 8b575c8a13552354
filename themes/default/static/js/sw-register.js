/* Registers the site's service worker (<base>/sw.js, scope: the base path), which keeps the
 * pages read and the site's shell for reading offline. Not under `ocop-site serve`, whose pages
 * change with every save (its reload script is in the page). No inline code: loaded with `defer`,
 * the worker's URL and scope in this script's data- attributes. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !("serviceWorker" in navigator) || document.querySelector("script[src*='/__ocop__/']")) return;
  navigator.serviceWorker.register(me.getAttribute("data-sw"), { scope: me.getAttribute("data-scope") })
    .catch(function () { /* no worker (private mode, http on another host): the site works as before */ });
})();
