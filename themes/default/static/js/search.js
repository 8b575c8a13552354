/* Product search for ocop-site: Vietnamese-aware, facet filters, no server.
 *
 * Reads the index written by ocop_site/search.py (see its docstring for the
 * files). Folding matches the Python side: NFD, strip combining marks,
 * lowercase, đ → d. Every word must match (AND); the last word also matches
 * as a prefix while typing; words of five or more letters forgive one typo.
 * Score per word: the best field (name > producer > place > description),
 * times 1.25 when the accents match exactly, 0.7 for a prefix, 0.5 for a typo.
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
  var selects = {};
  ["category", "stars", "province", "type"].forEach(function (name) {
    selects[name] = form.querySelector("select[name=" + name + "]");
  });
  var PAGE = 20;
  var meta = null, vocab = null, vocabKeys = null;
  var shards = {}, chunks = {};
  var shown = PAGE, lastRun = 0;

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
  function shard(key) {
    if (!shards[key]) shards[key] = getJSON("t/" + shardFile(key) + ".json").catch(function () { return {}; });
    return shards[key];
  }
  function chunk(n) {
    if (!chunks[n]) chunks[n] = getJSON("d/" + n + ".json");
    return chunks[n];
  }
  function oneEdit(a, b) {
    /* true when a and b differ by exactly one insertion, deletion or substitution */
    var la = a.length, lb = b.length;
    if (Math.abs(la - lb) > 1 || a === b) return false;
    var i = 0, j = 0, edits = 0;
    while (i < la && j < lb) {
      if (a[i] === b[j]) { i++; j++; continue; }
      if (++edits > 1) return false;
      if (la > lb) i++; else if (lb > la) j++; else { i++; j++; }
    }
    return edits + (la - i) + (lb - j) === 1;
  }
  function candidates(word, isLast) {
    /* [folded token, quality] for one query word */
    var f = fold(word), out = [];
    if (vocab[f]) out.push([f, 1]);
    if (isLast && f.length >= 2) {
      for (var k = 0; k < vocabKeys.length && out.length < 60; k++) {
        var t = vocabKeys[k];
        if (t !== f && t.lastIndexOf(f, 0) === 0) out.push([t, 0.7]);
      }
    }
    if (f.length >= 5) {
      for (var m = 0; m < vocabKeys.length; m++) {
        if (oneEdit(f, vocabKeys[m])) out.push([vocabKeys[m], 0.5]);
      }
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
  function scoreWord(word, cands) {
    var keys = {};
    cands.forEach(function (c) { keys[c[0].slice(0, 2)] = true; });
    return Promise.all(Object.keys(keys).map(shard)).then(function (loaded) {
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
  function render(order, started, query) {
    var total = order.length, visible = order.slice(0, shown);
    var needed = {};
    visible.forEach(function (doc) { needed[Math.floor(doc / meta.chunk)] = true; });
    return Promise.all(Object.keys(needed).map(function (n) {
      return chunk(n).then(function (rows) { return [n, rows]; });
    })).then(function (loaded) {
      if (started !== lastRun) return;
      var rowsBy = {};
      loaded.forEach(function (pair) { rowsBy[pair[0]] = pair[1]; });
      var fragment = document.createDocumentFragment();
      visible.forEach(function (doc) {
        var row = rowsBy[Math.floor(doc / meta.chunk)][doc % meta.chunk];
        var li = document.createElement("li");
        li.className = "search-result";
        var a = document.createElement("a");
        a.href = row[5];
        a.textContent = row[1];
        var stars = document.createElement("span");
        stars.className = "stars";
        stars.setAttribute("role", "img");
        stars.setAttribute("aria-label", i18n.stars.replace("%(n)s", row[4]));
        stars.textContent = "★".repeat(row[4]) + "☆".repeat(5 - row[4]);
        var info = document.createElement("span");
        info.className = "search-meta";
        info.textContent = row[2] + " · " + row[3];
        li.appendChild(a);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(stars);
        li.appendChild(document.createElement("br"));
        li.appendChild(info);
        fragment.appendChild(li);
      });
      list.replaceChildren(fragment);
      status.textContent = total ? i18n.results.replace("%(n)s", total.toLocaleString(i18n.locale)) : i18n.none;
      more.hidden = total <= shown;
      list.setAttribute("data-search-ms", String(Math.round(performance.now() - started)));
      list.setAttribute("data-search-count", String(total));
      list.setAttribute("data-search-query", query);
    });
  }
  function run(started) {
    lastRun = started;
    var query = input.value;
    var active = filters();
    syncURL(query.trim(), active);
    var ws = words(query);
    var trailingSpace = /\s$/.test(query);
    var typing = ws.length && !trailingSpace ? ws[ws.length - 1] : null;
    if (typing && fold(typing).length < 2 && !vocab[fold(typing)]) ws.pop();  // a letter just typed: wait for more
    var work = ws.map(function (w, i) {
      return scoreWord(w, candidates(w, i === ws.length - 1 && w === typing));
    });
    return Promise.all(work).then(function (perWord) {
      if (started !== lastRun) return;
      var total;
      if (!perWord.length) {
        total = new Map();
        for (var d = 0; d < meta.count; d++) total.set(d, 0);
      } else {
        total = perWord[0];
        for (var i = 1; i < perWord.length; i++) {
          var next = new Map();
          total.forEach(function (s, doc) {
            if (perWord[i].has(doc)) next.set(doc, s + perWord[i].get(doc));
          });
          total = next;
        }
      }
      var matched = Array.from(total.keys());
      updateCounts(matched, active);
      var order = matched.filter(function (doc) { return passes(doc, active, null); });
      order.sort(function (a, b) {
        return (total.get(b) - total.get(a)) || (meta.docs[a][4] - meta.docs[b][4]);
      });
      return render(order, started, query + "|" + new URLSearchParams(active).toString());
    });
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
    more.addEventListener("click", function () { shown += PAGE; run(performance.now()); });
    box.setAttribute("data-search-loaded", "true");
    schedule();
  }).catch(function () {
    status.textContent = i18n.failed;
  });
})();
