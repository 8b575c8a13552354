/* 404 page of ocop-site: when the missing address is a product or lot page
 * (…/p/<CODE>/ or …/p/<CODE>/lot/<LOT>/, e.g. from the QR code of a stamp),
 * fill the product-code box and, for a lot, say which lot is missing and link
 * to the product record, whose list of activated lots can be compared. Without
 * JavaScript the page still offers both forms and the browse links.
 */
(function () {
  "use strict";
  var m = /\/p\/([A-Za-z0-9][A-Za-z0-9._-]{0,39})\/(?:lot\/([^\/]+)\/?)?/.exec(location.pathname);
  if (!m) return;
  var code = m[1];
  var lot = m[2] || "";
  try { lot = decodeURIComponent(lot); } catch (e) { /* keep it as written */ }
  var box = document.getElementById("nf-code");
  if (box && !box.value) box.value = code;
  var note = document.querySelector("[data-lot-note]");
  if (!lot || !note) return;
  var text = note.getAttribute("data-text") || "";
  note.querySelector("[data-lot-text]").textContent = text
    .replace("{lot}", function () { return lot; })
    .replace("{code}", function () { return code; });
  note.querySelector("[data-product-link]").href = location.pathname.slice(0, m.index) + "/p/" + code + "/";
  note.hidden = false;
})();
