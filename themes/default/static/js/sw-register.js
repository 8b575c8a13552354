/* Registers the site's service worker (<base>/sw.js, scope: the base path), which keeps the
 * pages read and the site's shell for reading offline. Not under `ocop-site serve`, whose pages
 * change with every save (its reload script is in the page). Registered once the page has loaded.
 * No inline code: loaded with `defer`, the worker's URL and scope in this script's data- attributes. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !("serviceWorker" in navigator) || document.querySelector("script[src*='/__ocop__/']")) return;
  var url = me.getAttribute("data-sw"), scope = me.getAttribute("data-scope");
  function register() {
    navigator.serviceWorker.register(url, { scope: scope })
      .catch(function () { /* no worker (private mode, http on another host): the site works as before */ });
  }
  /* after the page has loaded, so that caching the shell never competes with the page itself */
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register);
})();
