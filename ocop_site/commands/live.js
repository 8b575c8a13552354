/* Injected by `ocop-site serve` only (never part of a built site): reload the
 * page after a good rebuild; show the build errors over the page after a bad
 * one, while the last good site stays served. */
(function () {
  "use strict";
  var me = document.currentScript;
  var since = me ? me.getAttribute("data-generation") : "0";
  var overlay = null;

  function show(errors) {
    if (!errors.length) {
      if (overlay) { overlay.remove(); overlay = null; }
      return;
    }
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "ocop-serve-errors";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.94);" +
        "color:#fff;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;padding:1.5rem";
      document.body.appendChild(overlay);
    }
    overlay.replaceChildren();
    var title = document.createElement("h2");
    title.textContent = "ocop-site: the last change has errors — the page below is the last good build";
    title.style.cssText = "color:#ffdd00;font:bold 16px/1.4 system-ui,sans-serif;margin:0 0 1rem";
    overlay.appendChild(title);
    var pre = document.createElement("pre");
    pre.style.cssText = "white-space:pre-wrap;margin:0";
    pre.textContent = errors.map(function (e) { return e.text; }).join("\n\n");
    overlay.appendChild(pre);
  }

  function connect() {
    var events = new EventSource("/__ocop__/events?since=" + encodeURIComponent(since));
    events.addEventListener("reload", function () { events.close(); location.reload(); });
    events.addEventListener("errors", function (e) { show(JSON.parse(e.data)); });
    events.onerror = function () { events.close(); setTimeout(connect, 1000); };
  }
  connect();
})();
