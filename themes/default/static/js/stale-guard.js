/* Stale-build guard for ocop-site product and lot pages.
 *
 * A page is built on one day; its <body data-valid-until="YYYY-MM-DD"> is the
 * last day of the rating it shows. If the site was not rebuilt and the
 * visitor's date in Vietnam (UTC+7 all year, whatever the device's time zone)
 * is past that day, the warning kept in <template id="stale-warning"> is
 * shown at the top of the page as a role="alert". Without JavaScript nothing
 * changes. No inline code: this file is loaded with `defer`.
 */
(function () {
  "use strict";
  var body = document.body;
  var until = body && body.getAttribute("data-valid-until");
  if (!until || !/^\d{4}-\d{2}-\d{2}$/.test(until)) return;
  var today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
  if (today <= until) return;
  var tpl = document.getElementById("stale-warning");
  var main = document.getElementById("main");
  if (!tpl || !main || !tpl.content || document.querySelector(".stale-warning")) return;
  body.setAttribute("data-stale", "true");
  main.insertBefore(document.importNode(tpl.content, true), main.firstChild);
})();
