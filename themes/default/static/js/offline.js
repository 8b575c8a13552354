/* The offline page (offline/index.html, shown by the service worker for a page never saved):
 * lists the product pages of this language kept in the site's page caches, by name, so a
 * shopper can still open what they have seen. No inline code: loaded with `defer`. */
(function () {
  "use strict";
  var box = document.querySelector(".offline-seen");
  if (!box || !window.caches) return;
  var pages = box.getAttribute("data-pages"), prefix = box.getAttribute("data-cache");
  var list = box.querySelector(".offline-list");
  var product = new RegExp("^" + pages.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "[^/]+/$");
  caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf(prefix) === 0; }).map(function (name) {
      return caches.open(name).then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(requests.filter(function (r) { return product.test(new URL(r.url).pathname); })
            .map(function (r) {
              return cache.match(r).then(function (response) { return response.text(); }).then(function (html) {
                var doc = new DOMParser().parseFromString(html, "text/html");
                var h1 = doc.querySelector("h1");
                return { url: new URL(r.url).pathname, name: h1 ? h1.textContent.trim() : r.url,
                         status: doc.body.getAttribute("data-ocop-status") };
              });
            }));
        });
      });
    }));
  }).then(function (groups) {
    var seen = {}, items = [];
    groups.forEach(function (g) { g.forEach(function (p) { if (!seen[p.url]) { seen[p.url] = true; items.push(p); } }); });
    if (!items.length) return;
    items.sort(function (a, b) { return a.name.localeCompare(b.name, document.documentElement.lang); });
    items.forEach(function (p) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = p.url;
      a.textContent = p.name;
      li.appendChild(a);
      list.appendChild(li);
    });
    box.hidden = false;
  }).catch(function () { /* nothing listed */ });
})();
