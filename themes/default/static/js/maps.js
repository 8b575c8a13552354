/* Sales-point maps for ocop-site (Leaflet, served from the site itself).
 *
 * Every element with [data-map] becomes a map. Its points are GeoJSON
 * features written by ocop_site/exports.py: either the published
 * sales-points.geojson (data-geojson, the /sales-points/ page) or the few
 * points of one product or sales point embedded in the page as
 * <script type="application/json" id="…"> (data-features). Settings come from
 * data- attributes: data-tiles and data-attribution (site.yaml `map`),
 * data-list (the id of the page's list of sales-point cards, matched by
 * data-slug: popups link to those cards' pages), data-cluster, data-zoom,
 * data-filters (the id of the filter form).
 *
 * A map is drawn when it comes into view (IntersectionObserver), so pages whose
 * map is far down load no tiles until the reader gets there.
 *
 * The page never depends on this file. Without JavaScript, or when Leaflet
 * or the data cannot be loaded, the map stays hidden and the list of sales
 * points (addresses, opening hours, phones, "open in maps" links) is the
 * page. When tiles cannot be loaded (rural networks), markers still show on
 * a blank background and a note says the list has every point.
 *
 * Filters (province, category of products sold) and "near me" act on the map
 * and the list together. Near me asks the browser for its position and sorts
 * by great-circle distance here: the position is never sent anywhere.
 * After each change the map element carries data-markers (markers on the
 * map) and data-state="ready".
 */
(function () {
  "use strict";
  var maps = document.querySelectorAll("[data-map]");
  if (!maps.length || !window.L || !window.fetch) return;
  var i18nEl = document.getElementById("map-i18n");
  var i18n = i18nEl ? JSON.parse(i18nEl.textContent) : {};

  function text(key, values) {
    var s = i18n[key] || "";
    Object.keys(values || {}).forEach(function (k) { s = s.split("{" + k + "}").join(values[k]); });
    return s;
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function attributionHtml(s) {
    /* site.yaml's attribution is plain text; OpenStreetMap's licence asks for a link. */
    return escapeHtml(s).replace(/OpenStreetMap/, '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>');
  }
  function distanceKm(a, b) {
    var R = 6371.0088, rad = Math.PI / 180;
    var dLat = (b[0] - a[0]) * rad, dLon = (b[1] - a[1]) * rad;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  function formatDistance(km) {
    var locale = i18n.locale || "vi-VN";
    if (km < 1) return text("m", { n: new Intl.NumberFormat(locale).format(Math.round(km * 100) * 10) });
    return text("km", { n: new Intl.NumberFormat(locale, { maximumFractionDigits: km < 10 ? 1 : 0 }).format(km) });
  }

  function load(el) {
    var id = el.getAttribute("data-features");
    if (id) {
      return Promise.resolve(JSON.parse(document.getElementById(id).textContent));
    }
    return fetch(el.getAttribute("data-geojson")).then(function (r) {
      if (!r.ok) throw new Error("sales-points.geojson: HTTP " + r.status);
      return r.json();
    });
  }

  function setup(el) {
    var box = el.closest(".map-box") || el.parentNode;
    var note = box.querySelector(".map-note");
    function say(message) {
      if (note && message) { note.textContent = message; note.hidden = false; }
    }
    function start() {
      load(el).then(function (data) {
        draw(el, box, data.features || [], say);
      }).catch(function () {
        el.hidden = true;
        say(text("failed"));
        el.setAttribute("data-state", "failed");
      });
    }
    /* The box takes its place now (no layout shift); the map, its data and its tiles load when it
       comes into view: a product page read only for its rating costs no tile request. */
    el.hidden = false;
    box.querySelectorAll(".map-hint").forEach(function (p) { p.hidden = false; });
    if (!("IntersectionObserver" in window)) return start();
    var seen = new IntersectionObserver(function (entries) {
      if (!entries.some(function (e) { return e.isIntersecting; })) return;
      seen.disconnect();
      start();
    }, { rootMargin: "100px" });
    seen.observe(el);
  }

  function draw(el, box, features, say) {
    var listId = el.getAttribute("data-list");
    var list = listId ? document.getElementById(listId) : null;
    var cards = {};
    if (list) {
      list.querySelectorAll("[data-slug]").forEach(function (card) { cards[card.getAttribute("data-slug")] = card; });
    }
    var map = L.map(el, { scrollWheelZoom: false, zoomSnap: 0.5, zoomControl: false });
    L.control.zoom({ zoomInTitle: text("zoom_in"), zoomOutTitle: text("zoom_out") }).addTo(map);
    var placed = false;
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    var tilesFailed = false;
    L.tileLayer(el.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: attributionHtml(el.getAttribute("data-attribution") || ""),
    }).on("tileerror", function () {
      if (tilesFailed) return;
      tilesFailed = true;
      el.setAttribute("data-tiles-failed", "true");
      say(text("tiles_failed"));
    }).addTo(map);

    var clustered = el.hasAttribute("data-cluster") && typeof L.markerClusterGroup === "function";
    var layer = clustered
      ? L.markerClusterGroup({
        showCoverageOnHover: false, maxClusterRadius: 60, disableClusteringAtZoom: 16, chunkedLoading: true,
        iconCreateFunction: function (cluster) {
          var n = cluster.getChildCount();
          var size = n < 10 ? 36 : n < 100 ? 42 : 50;
          return L.divIcon({
            className: "marker-cluster",
            html: "<span>" + n + '</span><span class="visually-hidden"> ' + escapeHtml(text("cluster")) + "</span>",
            iconSize: L.point(size, size),
          });
        },
      })
      : L.featureGroup();
    layer.addTo(map);

    var points = features.map(function (f) {
      var c = f.geometry.coordinates, p = f.properties;
      var card = cards[p.slug], link = card && card.querySelector("a[href]");
      var name = link ? link.textContent : p.name;   /* the page's language: /en/ pages show English names */
      var marker = L.marker([c[1], c[0]], { title: name, alt: name, keyboard: true });
      marker.bindPopup(function () { return popup(p, cards[p.slug]); });
      return { feature: f, props: p, latlng: [c[1], c[0]], marker: marker, card: cards[p.slug] || null };
    });

    var zoom = parseFloat(el.getAttribute("data-zoom")) || 15;
    function show(visible, focus) {
      layer.clearLayers();
      if (clustered) layer.addLayers(visible.map(function (pt) { return pt.marker; }));
      else visible.forEach(function (pt) { layer.addLayer(pt.marker); });
      el.setAttribute("data-markers", String(visible.length));
      var around = (focus || visible).map(function (pt) { return pt.latlng; });
      if (around.length === 1) map.setView(around[0], zoom);
      else if (around.length) map.fitBounds(L.latLngBounds(around), { paddingTopLeft: [24, 48], paddingBottomRight: [24, 16], maxZoom: zoom });
      else if (!placed) map.setView([16.2, 106.5], 5);   /* nothing to show: Vietnam */
      placed = true;
    }

    var formId = el.getAttribute("data-filters");
    var form = formId ? document.getElementById(formId) : null;
    if (form) filters(form, el, map, points, show, list);
    else show(points);
    el.setAttribute("data-state", "ready");
  }

  function popup(p, card) {
    /* from the page's own card when there is one (its language, its links), else from the feature */
    function fromCard(selector, fallback) {
      var found = card && card.querySelector(selector);
      return found ? found.textContent : fallback;
    }
    var div = document.createElement("div");
    div.className = "map-popup";
    var title = document.createElement("strong");
    var link = card && card.querySelector("a[href]");
    if (link) {
      var a = document.createElement("a");
      a.href = link.getAttribute("href");
      a.textContent = link.textContent;
      title.appendChild(a);
    } else {
      title.textContent = p.name;
    }
    div.appendChild(title);
    [fromCard(".address", p.address), fromCard(".hours", p.opening_hours)].forEach(function (line) {
      if (!line) return;
      var el = document.createElement("p");
      el.textContent = line;
      div.appendChild(el);
    });
    return div;
  }

  function filters(form, el, map, points, show, list) {
    var province = form.querySelector("select[name=province]");
    var category = form.querySelector("select[name=category]");
    var near = form.querySelector(".near-me");
    var status = form.querySelector(".map-status");
    var nearest = list && list.querySelector(".sales-point-nearest");
    var nearBox = list && list.querySelector(".sales-point-near");
    var groups = list ? Array.prototype.slice.call(list.querySelectorAll(".sales-point-group")) : [];
    /* each card and its province section, in page order: "near me" moves cards, pressing it again puts them back */
    var home = list ? Array.prototype.map.call(list.querySelectorAll("[data-slug]"), function (card) {
      return [card, card.parentNode];
    }) : [];
    var here = null, hereMarker = null;

    var params = new URLSearchParams(window.location.search);
    [province, category].forEach(function (s) {
      if (s && params.get(s.name) && s.querySelector('option[value="' + CSS.escape(params.get(s.name)) + '"]')) {
        s.value = params.get(s.name);
      }
    });

    function matches(pt) {
      if (province && province.value && pt.props.province_slug !== province.value) return false;
      if (category && category.value && (pt.props.categories || []).indexOf(category.value) < 0) return false;
      return true;
    }

    function restoreGroups() {
      /* cards back in their province sections, in the original order */
      home.forEach(function (h) {
        var d = h[0].querySelector(".distance");
        if (d) d.parentNode.removeChild(d);
        h[1].appendChild(h[0]);
      });
      if (nearest) nearest.textContent = "";
      if (nearBox) nearBox.hidden = true;
    }

    function update() {
      var visible = points.filter(matches);
      if (here) {
        visible.forEach(function (pt) { pt.km = distanceKm(here, pt.latlng); });
        visible.sort(function (a, b) { return a.km - b.km || (a.props.slug < b.props.slug ? -1 : 1); });
      }
      points.forEach(function (pt) { if (pt.card) pt.card.hidden = visible.indexOf(pt) < 0; });
      if (here && nearest) {
        restoreGroups();
        visible.forEach(function (pt) {
          if (!pt.card) return;
          var li = document.createElement("li");
          var d = document.createElement("p");
          d.className = "distance";
          d.textContent = text("away", { d: formatDistance(pt.km) });
          pt.card.insertBefore(d, pt.card.children[1] || null);
          li.appendChild(pt.card);
          nearest.appendChild(li);
        });
        if (nearBox) nearBox.hidden = false;
        groups.forEach(function (g) { g.hidden = true; });
      } else {
        groups.forEach(function (g) { g.hidden = !g.querySelector("[data-slug]:not([hidden])"); });
      }
      var focus = here ? [{ latlng: here }].concat(visible.slice(0, 3)) : null;
      show(visible, focus);
      if (status) {
        status.textContent = text(here ? "shown_near" : "shown", { shown: visible.length, total: points.length });
      }
      var query = new URLSearchParams();
      [province, category].forEach(function (s) { if (s && s.value) query.set(s.name, s.value); });
      var search = query.toString();
      history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
    }

    [province, category].forEach(function (s) { if (s) s.addEventListener("change", update); });

    if (near && navigator.geolocation) {
      near.hidden = false;
      near.addEventListener("click", function () {
        if (here) {   /* second press: back to the list by province */
          here = null;
          if (hereMarker) { map.removeLayer(hereMarker); hereMarker = null; }
          near.setAttribute("aria-pressed", "false");
          restoreGroups();
          update();
          return;
        }
        near.disabled = true;
        if (status) status.textContent = text("locating");
        navigator.geolocation.getCurrentPosition(function (pos) {
          near.disabled = false;
          here = [pos.coords.latitude, pos.coords.longitude];
          near.setAttribute("aria-pressed", "true");
          hereMarker = L.circleMarker(here, { radius: 8, weight: 3, color: "#0b0c0c", fillColor: "#ffdd00", fillOpacity: 1 })
            .bindTooltip(text("you"))
            .addTo(map);
          el.setAttribute("data-near", "true");
          update();
        }, function () {
          near.disabled = false;
          if (status) status.textContent = text("geo_error");
        }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
      });
    }
    form.hidden = false;
    update();
  }

  Array.prototype.forEach.call(maps, setup);
})();
