/* Service worker of an ocop-site catalog (written by ocop_site/offline.py as <base>/sw.js).
 *
 * - Install: the shell (the theme's CSS and scripts, the icons, the offline pages) goes into
 *   this build's shell cache.
 * - Pages (navigations): network first; a page that loads is kept in this build's page cache;
 *   offline, the kept copy is shown, and a page never visited gets the site's own offline page
 *   (which lists the products already seen), never the browser's error.
 * - Files with a content hash in their URL (?v=…, media) come from the cache first; other files
 *   from the network first. The search index is left to the network and the HTTP cache: it is
 *   fetched key by key while typing, and the worker would only add a step to each fetch. Offline, a page kept from an earlier build finds
 *   its scripts under their older ?v=, so its stale-rating guard still runs.
 * - Each build has its own cache version. On activation the pages kept by earlier builds are
 *   carried into the new page cache (the guard marks their ratings when ended) and every older
 *   cache of this site is deleted.
 */
"use strict";
var SETTINGS = /*SETTINGS*/{};
var BASE = SETTINGS.base || "/";
var PREFIX = "ocop " + BASE + " ";
var SHELL = PREFIX + "shell " + SETTINGS.version;
var PAGES = PREFIX + "pages " + SETTINGS.version;
var FILES = PREFIX + "files " + SETTINGS.version;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(SETTINGS.shell.concat(Object.values(SETTINGS.offline)));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    var old = names.filter(function (n) { return n.indexOf(PREFIX) === 0 && n !== SHELL && n !== PAGES && n !== FILES; });
    var oldPages = old.filter(function (n) { return n.indexOf(PREFIX + "pages ") === 0; });
    return caches.open(PAGES).then(function (pages) {
      return Promise.all(oldPages.map(function (name) {
        return caches.open(name).then(function (cache) {
          return cache.keys().then(function (requests) {
            return Promise.all(requests.map(function (request) {
              return pages.match(request).then(function (have) {
                if (have) return null;
                return cache.match(request).then(function (response) { return response && pages.put(request, response); });
              });
            }));
          });
        });
      }));
    }).then(function () {
      return Promise.all(old.map(function (name) { return caches.delete(name); }));
    });
  }).then(function () {
    return self.clients.claim();
  }).then(keepOpenPages));
});

function keepOpenPages() {
  /* the pages open when the worker starts were loaded before it: keep them too */
  return self.clients.matchAll({ type: "window" }).then(function (windows) {
    return caches.open(PAGES).then(function (pages) {
      return Promise.all(windows.map(function (client) {
        var url = new URL(client.url);
        if (url.origin !== self.location.origin || url.pathname.indexOf(BASE) !== 0) return null;
        url.hash = "";
        return pages.match(url.href).then(function (have) {
          return have || fetch(url.href).then(function (response) {
            return response.ok ? pages.put(url.href, response) : null;
          }).catch(function () { return null; });
        });
      }));
    });
  });
}

function offlinePage(path) {
  var best = "", keys = Object.keys(SETTINGS.offline);
  keys.forEach(function (prefix) {
    if (path.indexOf(BASE + prefix) === 0 && prefix.length > best.length) best = prefix;
  });
  return caches.match(SETTINGS.offline[best] || SETTINGS.offline[""], { cacheName: SHELL });
}

function fromCache(request, name) {
  return caches.open(name).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || cache.match(request, { ignoreSearch: true });
    });
  });
}

function anyCache(request) {
  /* this build's caches first, then an older ?v= of the same file */
  return caches.match(request).then(function (hit) {
    return hit || caches.match(request, { ignoreSearch: true });
  });
}

function keep(name, request, response) {
  if (response && response.ok && response.type === "basic") {
    var copy = response.clone();
    caches.open(name).then(function (cache) { return cache.put(request, copy); });
  }
  return response;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf(BASE) !== 0) return;
  if (url.pathname.indexOf("/__ocop__/") >= 0) return;
  /* the search index is fetched key by key while typing: straight to the network and the HTTP
     cache (its folder name is a hash of its content), never through the worker's caches */
  if (request.mode !== "navigate" && url.pathname.indexOf(BASE + "search/") === 0) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      return keep(PAGES, request, response);
    }).catch(function () {
      return fromCache(request, PAGES).then(function (hit) { return hit || offlinePage(url.pathname); });
    }));
    return;
  }
  var hashed = url.searchParams.has("v") || url.pathname.indexOf(BASE + "media/") === 0;
  if (hashed) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        return keep(FILES, request, response);
      }).catch(function () {
        return anyCache(request).then(function (old) { return old || Response.error(); });
      });
    }));
    return;
  }
  event.respondWith(fetch(request).then(function (response) {
    return keep(FILES, request, response);
  }).catch(function () {
    return anyCache(request).then(function (hit) { return hit || Response.error(); });
  }));
});
