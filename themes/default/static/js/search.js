/* Product search for ocop-site: Vietnamese-aware, facet filters, no server.
 *
 * Reads the index written by ocop_site/search.py (see its docstring for the
 * files). Folding matches the Python side: NFD, strip combining marks,
 * lowercase, đ → d. Every word must match (AND); the last word also matches
 * as a prefix while typing. Words typed with the input method off are read as
 * meant: Telex (dd → đ, aa/aw/ee/oo/ow/uw/w, a tone key s f r x j) and VNI
 * (digits 1–9) residue is folded away when the word as typed is no word of the
 * catalog. Typos: a word of five or more letters forgives one edit (a letter
 * added, missing, changed, or two swapped); a word of three or four letters
 * that is no word of the catalog forgives one edit too, keeping its first
 * letter, when that leaves at most MAX_SHORT spellings to choose from.
 * Score per word: the best field (name > producer > place > description),
 * times 1.25 when the accents match exactly, 0.95 for Telex/VNI, 0.7 for a
 * prefix, 0.5 for a typo; so exact matches rank first.
 * Categories, producers, sales points and communes are searched the same way
 * and shown as their own groups above the products.
 * The query and filters live in the URL (?q=…&category=…&stars=…&province=…&type=…).
 */
(function () {
  "use strict";
  var box = document.querySelector("[data-search-index]");
  if (!box) return;
  var base = box.getAttribute("data-search-index");
  var i18n = JSON.parse(document.getElementById("search-i18n").textContent);
  var form = box.querySelector("form");
  var input = box.querySelector("input[type=search]");
  var status = box.querySelector(".search-status");
  var list = box.querySelector(".search-results");
  var more = box.querySelector(".search-more");
  var groups = box.querySelector(".search-groups");
  var GROUP_SHOWN = 5;
  var selects = {};
  ["category", "stars", "province", "type"].forEach(function (name) {
    selects[name] = form.querySelector("select[name=" + name + "]");
  });
  var PAGE = 20;
  var meta = null, vocab = null, vocabKeys = null;
  var shards = {}, chunks = {};
  var shown = PAGE, lastRun = 0;
  var items = new Map();   /* product → its result element, made once */

  box.classList.add("search-ready");

  function fold(text) {
    return text.normalize("NFD").toLowerCase().replace(/\p{M}/gu, "").replace(/[đð]/g, "d");
  }
  function words(text) {
    return text.normalize("NFC").toLowerCase().match(/[\p{L}\p{N}]+/gu) || [];
  }
  function shardFile(key) {
    if (/^[a-z0-9]+$/.test(key)) return key;
    return "u" + Array.from(key).map(function (c) { return c.codePointAt(0).toString(16); }).join("-");
  }
  function getJSON(path) {
    return fetch(base + path).then(function (r) {
      if (!r.ok) throw new Error(path + ": " + r.status);
      return r.json();
    });
  }
  var present = {};
  function has(kind, key) {
    /* meta.shards lists the shard files written; older indexes without it: try them all */
    if (!meta.shards) return true;
    if (!present[kind]) {
      present[kind] = {};
      meta.shards[kind].forEach(function (k) { present[kind][k] = true; });
    }
    return present[kind][shardFile(key)] === true;
  }
  function shard(key) {
    if (!shards[key]) shards[key] = has("t", key) ? getJSON("t/" + shardFile(key) + ".json").catch(function () { return {}; }) : Promise.resolve({});
    return shards[key];
  }
  function chunk(n) {
    if (!chunks[n]) chunks[n] = getJSON("d/" + n + ".json");
    return chunks[n];
  }
  function oneEdit(a, b) {
    /* true when a and b differ by one insertion, deletion, substitution or swap of two neighbours */
    var la = a.length, lb = b.length;
    if (Math.abs(la - lb) > 1 || a === b) return false;
    var i = 0;
    while (i < la && i < lb && a[i] === b[i]) i++;
    if (la === lb) {
      if (a.slice(i + 1) === b.slice(i + 1)) return true;                       /* changed */
      return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);   /* swapped */
    }
    return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);   /* added or missing */
  }
  var MAX_SHORT = 8;
  function neighbours(f) {
    var out = [];
    for (var m = 0; m < vocabKeys.length; m++) {
      var t = vocabKeys[m];
      if (f.length < 5 && t[0] !== f[0]) continue;
      if (oneEdit(f, t)) out.push(t);
    }
    return f.length < 5 && out.length > MAX_SHORT ? [] : out;   /* a short word: only when unambiguous */
  }
  function typedPlain(f) {
    /* the word as meant when typed with Telex or VNI but the input method off ("dda", "banhs", "mat5") */
    var w = f;
    if (/[a-z]/.test(w) && /[1-9]/.test(w) && /^[a-z0-9]+$/.test(w)) w = w.replace(/d9/g, "d").replace(/[1-9]/g, "");
    w = w.replace(/dd/g, "d").replace(/([aeo])\1/g, "$1").replace(/([aou])w/g, "$1").replace(/w/g, "u");
    var tone = /^([^aeiouy]*[aeiouy][a-z]*?)[sfrxj]([a-z]*)$/.exec(w);
    var forms = [w];
    if (tone && /[sfrxj]$/.test(w)) forms.unshift(w.slice(0, -1));
    else if (tone) forms.push(tone[1] + tone[2]);
    return forms.filter(function (x) { return x !== f && x.length; });
  }
  function candidates(word, isLast) {
    /* [folded token, quality] for one query word */
    var f = fold(word), out = [], seen = {};
    function add(t, q) { if (!seen[t]) { seen[t] = true; out.push([t, q]); } }
    function prefixes(p, q) {
      for (var k = 0; k < vocabKeys.length && out.length < 60; k++) {
        var t = vocabKeys[k];
        if (t !== p && t.lastIndexOf(p, 0) === 0) add(t, q);
      }
    }
    if (vocab[f]) add(f, 1);
    if (isLast && f.length >= 2) prefixes(f, 0.7);
    if (!vocab[f]) {
      typedPlain(f).forEach(function (g) {
        if (vocab[g]) add(g, 0.95);
        else if (isLast && g.length >= 2) prefixes(g, 0.65);
      });
    }
    if (f.length >= 5 || (f.length >= 3 && !out.length)) {
      neighbours(f).forEach(function (t) { add(t, 0.5); });
    }
    return out;
  }
  function decode(encoded) {
    var out = [], doc = 0;
    encoded.split(",").forEach(function (item) {
      doc += parseInt(item.slice(0, -1), 36);
      out.push([doc, parseInt(item.slice(-1), 16)]);
    });
    return out;
  }
  function fieldWeight(bits) {
    var w = meta.fields;
    return bits & w.name ? 100 : bits & w.producer ? 30 : bits & w.place ? 10 : 3;
  }
  var entityShards = {}, groupChunks = {};
  function entityShard(key) {
    if (!entityShards[key]) entityShards[key] = has("u", key) ? getJSON("u/" + shardFile(key) + ".json").catch(function () { return {}; }) : Promise.resolve({});
    return entityShards[key];
  }
  function groupChunk(n) {
    if (!groupChunks[n]) groupChunks[n] = getJSON("g/" + n + ".json");
    return groupChunks[n];
  }
  function scoreWord(word, cands, load) {
    var keys = {};
    cands.forEach(function (c) { keys[c[0].slice(0, 2)] = true; });
    return Promise.all(Object.keys(keys).map(load)).then(function (loaded) {
      var byKey = {};
      Object.keys(keys).forEach(function (k, i) { byKey[k] = loaded[i]; });
      var scores = new Map();
      cands.forEach(function (c) {
        var folded = c[0], quality = c[1], data = byKey[folded.slice(0, 2)] || {};
        (vocab[folded] || []).forEach(function (spelling) {
          if (!data[spelling]) return;
          var exact = spelling === word ? 1.25 : 1;
          decode(data[spelling]).forEach(function (p) {
            var s = fieldWeight(p[1]) * quality * exact;
            if (!(scores.get(p[0]) >= s)) scores.set(p[0], s);
          });
        });
      });
      return scores;
    });
  }
  function intersect(perWord) {
    var total = perWord[0];
    for (var i = 1; i < perWord.length; i++) {
      var next = new Map();
      total.forEach(function (s, doc) {
        if (perWord[i].has(doc)) next.set(doc, s + perWord[i].get(doc));
      });
      total = next;
    }
    return total;
  }
  function filters() {
    var out = {};
    Object.keys(selects).forEach(function (name) {
      if (selects[name] && selects[name].value) out[name] = selects[name].value;
    });
    return out;
  }
  function facetValue(doc, name) {
    var d = meta.docs[doc];
    if (name === "category") return meta.categories[d[0]];
    if (name === "stars") return String(d[1]);
    if (name === "province") return meta.provinces[d[2]][0];
    return d[3] < 0 ? "" : meta.types[d[3]];
  }
  function passes(doc, active, except) {
    for (var name in active) {
      if (name !== except && facetValue(doc, name) !== active[name]) return false;
    }
    return true;
  }
  function updateCounts(matched, active) {
    Object.keys(selects).forEach(function (name) {
      var select = selects[name];
      if (!select) return;
      var counts = {};
      matched.forEach(function (doc) {
        if (passes(doc, active, name)) {
          var v = facetValue(doc, name);
          counts[v] = (counts[v] || 0) + 1;
        }
      });
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;
        var label = option.getAttribute("data-label") || option.textContent;
        option.setAttribute("data-label", label);
        var n = counts[option.value] || 0;
        option.textContent = label + " (" + n.toLocaleString(i18n.locale) + ")";
      });
    });
  }
  function syncURL(query, active) {
    var params = new URLSearchParams();
    if (query) params.set("q", query);
    Object.keys(active).forEach(function (k) { params.set(k, active[k]); });
    var qs = params.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function resultItem(row) {
    /* thumbnail (or the category's pictogram), name, stars, producer and place */
    var li = el("li", "search-result");
    if (row[6]) {
      var img = el("img", "search-thumb");
      img.src = row[6];
      img.alt = "";
      img.width = 56;
      img.height = 56;
      img.loading = "lazy";
      img.decoding = "async";
      li.appendChild(img);
    } else {
      var none = el("span", "search-thumb thumb-none thumb-" + (row[7] || "food"));
      none.setAttribute("aria-hidden", "true");
      li.appendChild(none);
    }
    var body = el("span", "search-body");
    var a = el("a", "", row[1]);
    a.href = row[5];
    var stars = el("span", "stars", "★".repeat(row[4]) + "☆".repeat(5 - row[4]));
    stars.setAttribute("role", "img");
    stars.setAttribute("aria-label", i18n.stars.replace("%(n)s", row[4]));
    body.appendChild(a);
    body.appendChild(document.createTextNode(" "));
    body.appendChild(stars);
    body.appendChild(el("br"));
    body.appendChild(el("span", "search-meta", row[2] + " · " + row[3]));
    li.appendChild(body);
    return li;
  }
  function renderGroups(found) {
    /* found: [group index, [entity ids in score order]] */
    if (!groups) return Promise.resolve();
    var needed = {};
    found.forEach(function (g) { g[1].slice(0, GROUP_SHOWN).forEach(function (id) { needed[Math.floor(id / meta.chunk)] = true; }); });
    return Promise.all(Object.keys(needed).map(function (n) {
      return groupChunk(n).then(function (rows) { return [n, rows]; });
    })).then(function (loaded) {
      var rowsBy = {};
      loaded.forEach(function (pair) { rowsBy[pair[0]] = pair[1]; });
      return function () {
        var fragment = document.createDocumentFragment();
        found.forEach(function (g) {
          var name = meta.groups[g[0]];
          var section = el("section", "search-group search-group-" + name.replace("_", "-"));
          section.setAttribute("aria-label", (i18n.groups || {})[name] || name);
          section.appendChild(el("h2", "search-group-title", ((i18n.groups || {})[name] || name) + " (" + g[1].length.toLocaleString(i18n.locale) + ")"));
          var ul = el("ul", "search-group-list");
          g[1].slice(0, GROUP_SHOWN).forEach(function (id) {
            var row = rowsBy[Math.floor(id / meta.chunk)][id % meta.chunk];
            var li = el("li");
            var a = el("a", "", row[1]);
            a.href = row[2];
            li.appendChild(a);
            if (row[3]) {
              li.appendChild(document.createTextNode(" "));
              li.appendChild(el("span", "search-meta", row[3]));
            }
            ul.appendChild(li);
          });
          section.appendChild(ul);
          fragment.appendChild(section);
        });
        groups.replaceChildren(fragment);
        groups.hidden = !found.length;
      };
    });
  }
  function render(order, started, focusFrom) {
    /* the products, once their display files are loaded: a function that shows them */
    var total = order.length, visible = order.slice(0, shown);
    var needed = {};
    visible.forEach(function (doc) { if (!items.has(doc)) needed[Math.floor(doc / meta.chunk)] = true; });
    return Promise.all(Object.keys(needed).map(function (n) {
      return chunk(n).then(function (rows) { return [n, rows]; });
    })).then(function (loaded) { return function () {
      var rowsBy = {};
      loaded.forEach(function (pair) { rowsBy[pair[0]] = pair[1]; });
      var fragment = document.createDocumentFragment();
      visible.forEach(function (doc) {
        /* a result shown before is the same element again: its thumbnail is not decoded twice */
        if (!items.has(doc)) items.set(doc, resultItem(rowsBy[Math.floor(doc / meta.chunk)][doc % meta.chunk]));
        fragment.appendChild(items.get(doc));
      });
      list.replaceChildren(fragment);
      status.textContent = total ? i18n.results.replace("%(n)s", total.toLocaleString(i18n.locale)) : i18n.none;
      more.hidden = total <= shown;
      if (focusFrom !== undefined && list.children[focusFrom]) list.children[focusFrom].querySelector("a").focus();
      list.setAttribute("data-search-count", String(total));
    }; });
  }
  function run(started, focusFrom) {
    lastRun = started;
    var query = input.value;
    var active = filters();
    syncURL(query.trim(), active);
    var ws = words(query);
    var trailingSpace = /\s$/.test(query);
    var typing = ws.length && !trailingSpace ? ws[ws.length - 1] : null;
    if (typing && fold(typing).length < 2 && !vocab[fold(typing)]) ws.pop();  // a letter just typed: wait for more
    var cands = ws.map(function (w, i) { return candidates(w, i === ws.length - 1 && w === typing); });
    var products = Promise.all(cands.map(function (c, i) { return scoreWord(ws[i], c, shard); })).then(function (perWord) {
      if (started !== lastRun) return;
      var total;
      if (!perWord.length) {
        total = new Map();
        for (var d = 0; d < meta.count; d++) total.set(d, 0);
      } else {
        total = intersect(perWord);
      }
      var matched = Array.from(total.keys());
      updateCounts(matched, active);
      var order = matched.filter(function (doc) { return passes(doc, active, null); });
      order.sort(function (a, b) {
        return (total.get(b) - total.get(a)) || (meta.docs[a][4] - meta.docs[b][4]);
      });
      return render(order, started, focusFrom);
    });
    /* the other groups: only for a query, and not while filters narrow the products */
    var searchGroups = groups && ws.length && meta.entities && !Object.keys(active).length;
    var others = Promise.all(searchGroups ? cands.map(function (c, i) { return scoreWord(ws[i], c, entityShard); }) : [])
      .then(function (perWord) {
        if (started !== lastRun) return;
        var found = [];
        if (perWord.length) {
          var entities = intersect(perWord), byGroup = {};
          entities.forEach(function (score, id) {
            var g = groupOf(id);
            (byGroup[g] = byGroup[g] || []).push(id);
          });
          Object.keys(byGroup).map(Number).sort().forEach(function (g) {
            found.push([g, byGroup[g].sort(function (a, b) { return (entities.get(b) - entities.get(a)) || (a - b); })]);
          });
        }
        return renderGroups(found);
      });
    /* products and groups are shown together, so the groups above never push the products down */
    return Promise.all([products, others]).then(function (show) {
      if (started !== lastRun) return;
      if (show[1]) show[1]();
      if (show[0]) show[0]();
      list.setAttribute("data-search-ms", String(Math.round(performance.now() - started)));
      list.setAttribute("data-search-query", query + "|" + new URLSearchParams(active).toString());
    });
  }
  function groupOf(id) {
    /* entities are stored by group: meta.group_starts[g] is the first id of group g */
    var g = 0;
    while (g + 1 < meta.group_starts.length && id >= meta.group_starts[g + 1]) g++;
    return g;
  }
  function schedule() {
    shown = PAGE;
    run(performance.now());
  }

  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  Object.keys(selects).forEach(function (name) {
    if (selects[name] && params.get(name)) selects[name].value = params.get(name);
  });
  status.textContent = i18n.loading;
  Promise.all([getJSON("meta.json"), getJSON("vocab.json")]).then(function (loaded) {
    meta = loaded[0];
    vocab = loaded[1];
    vocabKeys = Object.keys(vocab).sort();
    input.addEventListener("input", schedule);
    Object.keys(selects).forEach(function (name) {
      if (selects[name]) selects[name].addEventListener("change", schedule);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); schedule(); });
    more.addEventListener("click", function () {
      var from = shown;
      shown += PAGE;
      run(performance.now(), from);
    });
    box.setAttribute("data-search-loaded", "true");
    schedule();
  }).catch(function () {
    status.textContent = i18n.failed;
  });
})();
