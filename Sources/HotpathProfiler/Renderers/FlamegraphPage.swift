/// The static CSS and JavaScript of ``HTMLFlamegraphRenderer``'s page. The script reads the
/// embedded JSON and builds the page with `textContent` only, so names are never parsed as HTML.
enum FlamegraphPage {
    static let css = #"""
    :root { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; }
    body { margin: 0 16px 24px; }
    h1 { font-size: 18px; margin: 12px 0 4px; } h2 { font-size: 15px; margin: 20px 0 6px; }
    #summary { margin: 0 0 8px; color: #555; }
    #controls { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; }
    #search { width: 280px; padding: 3px 6px; }
    #matched { color: #7a3e00; font-weight: 600; }
    #graph { position: relative; width: 100%; overflow: hidden; border: 1px solid #ddd; background: #fafafa; }
    .box { position: absolute; height: 17px; box-sizing: border-box; border-right: 1px solid #fff;
           border-bottom: 1px solid #fff; padding: 0 3px; font: 11px/17px ui-monospace, Menlo, monospace;
           white-space: nowrap; overflow: hidden; text-overflow: ellipsis; cursor: pointer; }
    .box:hover { filter: brightness(0.9); }
    .box.ancestor { opacity: 0.6; }
    .box.fold { font-style: italic; }
    .box.match { background: #d946ef !important; color: #fff; }
    #tip { position: fixed; z-index: 10; max-width: 560px; padding: 6px 8px; background: #222; color: #fff;
           border-radius: 4px; font-size: 12px; pointer-events: none; white-space: pre-wrap; word-break: break-all; }
    table { border-collapse: collapse; }
    th, td { text-align: left; padding: 2px 10px 2px 0; border-bottom: 1px solid #eee; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    #hottest tbody tr { cursor: pointer; } #hottest tbody tr:hover { background: #f3f3f3; }
    td.fn { font-family: ui-monospace, Menlo, monospace; }
    """#

    static let script = #"""
    "use strict";
    (function () {
      var data = JSON.parse(document.getElementById("profile-data").textContent);
      var nodes = data.nodes, total = data.total;
      var NAME = 0, LOC = 1, TOTAL = 2, SELF = 3, PARENT = 4, KIND = 5, HIDDEN = 6;
      var ROW = 18;
      var children = nodes.map(function () { return []; });
      var depth = nodes.map(function () { return 0; });
      nodes.forEach(function (node, i) {
        if (node[PARENT] >= 0) { children[node[PARENT]].push(i); depth[i] = depth[node[PARENT]] + 1; }
      });
      var graph = document.getElementById("graph");
      var tip = document.getElementById("tip");
      var search = document.getElementById("search");
      var matchedLabel = document.getElementById("matched");
      var focus = 0, term = "";

      // One unit for the whole page, as in the text tree: seconds from a second up.
      var inSeconds = total >= 1e9;
      function seconds(ns) { return inSeconds ? (ns / 1e9).toFixed(3) + " s" : (ns / 1e6).toFixed(3) + " ms"; }
      function milliseconds(ns) { return (ns / 1e6).toFixed(3) + " ms"; }
      function percent(part, whole) { return whole > 0 ? (100 * part / whole).toFixed(1) + "%" : "0.0%"; }
      function hash(text) {
        var h = 0;
        for (var i = 0; i < text.length; i++) { h = (h * 31 + text.charCodeAt(i)) | 0; }
        return Math.abs(h);
      }
      function color(node) {
        switch (node[KIND]) {
          case 0: case 1: return "hsl(0, 0%, 82%)";
          case 3: return "hsl(210, 25%, " + (72 + hash(node[NAME]) % 10) + "%)";
          case 4: return "hsl(210, 12%, 86%)";
          default: return "hsl(" + (hash(node[NAME]) % 50) + ", 78%, " + (58 + hash(node[NAME]) % 12) + "%)";
        }
      }
      function matches(i) { return term !== "" && nodes[i][NAME].toLowerCase().indexOf(term) >= 0; }

      function draw() {
        while (graph.firstChild) { graph.removeChild(graph.firstChild); }
        var width = graph.clientWidth || 1000;
        var maxDepth = 0, drawn = 0;
        function box(i, x, w, extraClass) {
          var node = nodes[i];
          var div = document.createElement("div");
          div.className = "box" + (node[KIND] === 4 ? " fold" : "") + (extraClass ? " " + extraClass : "")
            + (matches(i) ? " match" : "");
          div.style.left = (x * 100) + "%";
          div.style.width = (w * 100) + "%";
          div.style.top = (depth[i] * ROW) + "px";
          div.style.background = color(node);
          div.textContent = node[NAME];
          div.dataset.node = String(i);
          graph.appendChild(div);
          maxDepth = Math.max(maxDepth, depth[i]);
          drawn++;
        }
        // Ancestors of the focus span the full width, dimmed.
        for (var a = nodes[focus][PARENT]; a >= 0; a = nodes[a][PARENT]) { box(a, 0, 1, "ancestor"); }
        var focusTotal = nodes[focus][TOTAL] || 1;
        var stack = [[focus, 0]];
        while (stack.length > 0) {
          var entry = stack.pop(), i = entry[0], x = entry[1];
          var w = nodes[i][TOTAL] / focusTotal;
          if (w * width < 0.5 && i !== focus) { continue; }
          box(i, x, w, "");
          var childX = x;
          children[i].forEach(function (c) { stack.push([c, childX]); childX += nodes[c][TOTAL] / focusTotal; });
        }
        graph.style.height = ((maxDepth + 1) * ROW + 2) + "px";
        document.body.dataset.rendered = String(drawn);
      }

      function updateMatches() {
        term = search.value.trim().toLowerCase();
        if (term === "") { matchedLabel.textContent = ""; draw(); return; }
        // A match below another match is already inside it: count each sample once.
        var matched = 0, count = 0;
        var stack = [[0, false]];
        while (stack.length > 0) {
          var entry = stack.pop(), i = entry[0], inside = entry[1];
          var hit = matches(i);
          if (hit) { count++; }
          if (hit && !inside) { matched += nodes[i][TOTAL]; }
          children[i].forEach(function (c) { stack.push([c, inside || hit]); });
        }
        matchedLabel.textContent = count === 0 ? "no match"
          : "matched " + percent(matched, total) + " of the total (" + seconds(matched) + ", " + count + " boxes)";
        draw();
      }

      graph.addEventListener("click", function (event) {
        var target = event.target.closest(".box");
        if (!target) { return; }
        focus = Number(target.dataset.node);
        draw();
      });
      document.getElementById("reset").addEventListener("click", function () { focus = 0; draw(); });
      search.addEventListener("input", updateMatches);
      graph.addEventListener("mousemove", function (event) {
        var target = event.target.closest(".box");
        if (!target) { tip.hidden = true; return; }
        var node = nodes[Number(target.dataset.node)];
        var lines = [node[NAME]];
        if (node[LOC]) { lines.push(node[LOC]); }
        lines.push("total " + seconds(node[TOTAL]) + " (" + percent(node[TOTAL], total) + " of all, "
          + percent(node[TOTAL], nodes[focus][TOTAL]) + " of zoom)");
        lines.push("self " + seconds(node[SELF]) + " (" + percent(node[SELF], total) + ")");
        if (node[HIDDEN] > 0) { lines.push("hidden small callees " + seconds(node[HIDDEN])); }
        tip.textContent = lines.join("\n");
        tip.hidden = false;
        tip.style.left = Math.min(event.clientX + 12, window.innerWidth - 300) + "px";
        tip.style.top = (event.clientY + 14) + "px";
      });
      graph.addEventListener("mouseleave", function () { tip.hidden = true; });

      var summary = data.samples + " samples";
      if (data.recorded !== data.samples) { summary += " of " + data.recorded; }
      summary += " · " + seconds(total) + " sampled · duration " + seconds(data.duration)
        + " · interval " + milliseconds(data.interval) + " · " + data.showing;
      if (data.dropped > 0) { summary += " · " + data.dropped + " dropped"; }
      document.getElementById("summary").textContent = summary;

      var body = document.querySelector("#hottest tbody");
      var rows = data.functions.map(function (f) {
        var row = document.createElement("tr");
        [seconds(f[2]), percent(f[2], total), seconds(f[3]), percent(f[3], total), f[0], f[1] || ""].forEach(function (text, column) {
          var cell = document.createElement("td");
          cell.textContent = text;
          cell.className = column < 4 ? "num" : (column === 4 ? "fn" : "");
          row.appendChild(cell);
        });
        row.addEventListener("click", function () { search.value = f[0]; updateMatches(); });
        return { row: row, self: f[2], total: f[3] };
      });
      // Click "Self…" or "Total…" headers to order by that column.
      function order(key) {
        rows.slice().sort(function (a, b) { return b[key] - a[key]; })
          .forEach(function (entry) { body.appendChild(entry.row); });
      }
      document.querySelectorAll("#hottest th").forEach(function (th, column) {
        if (column > 3) { return; }
        th.style.cursor = "pointer";
        th.title = "order by " + (column < 2 ? "self" : "total") + " time";
        th.addEventListener("click", function () { order(column < 2 ? "self" : "total"); });
      });
      order("self");
      if (nodes.length === 0 || total === 0) {
        document.getElementById("summary").textContent = "No samples.";
      }
      window.addEventListener("resize", draw);
      // "#focus=12&search=sort" opens zoomed and searched: shareable links, and a way for
      // headless tests to exercise zoom and search without driving the mouse.
      var params = new URLSearchParams(window.location.hash.slice(1));
      var wanted = Number(params.get("focus"));
      if (Number.isInteger(wanted) && wanted >= 0 && wanted < nodes.length) { focus = wanted; }
      if (params.get("search")) { search.value = params.get("search"); }
      if (nodes.length > 0) { updateMatches(); }
    })();
    """#
}
