/* Stale-build guard for the embedded product lists (…/embed/).
 *
 * Each item is <li data-valid-until="YYYY-MM-DD">, the last day of the rating
 * it shows. If the site was not rebuilt and the visitor's date in Vietnam
 * (UTC+7 all year) is past that day, the item is removed — the list shows
 * only products rated today — and the note kept in <template id="stale-note">
 * says that the list is out of date. Without JavaScript nothing changes. No
 * inline code: this file is loaded with `defer`.
 */
(function () {
  "use strict";
  var today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
  var items = document.querySelectorAll("li[data-valid-until]");
  var removed = 0;
  for (var i = 0; i < items.length; i++) {
    var until = items[i].getAttribute("data-valid-until");
    if (/^\d{4}-\d{2}-\d{2}$/.test(until) && today > until) {
      items[i].parentNode.removeChild(items[i]);
      removed++;
    }
  }
  var tpl = document.getElementById("stale-note");
  var head = document.querySelector(".embed-head");
  if (!removed || !tpl || !tpl.content || !head) return;
  document.body.setAttribute("data-stale", "true");
  head.parentNode.insertBefore(document.importNode(tpl.content, true), head.nextSibling);
})();
