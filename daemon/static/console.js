// pathwarden console: draws the attack paths asked for as an SVG graph (pan, zoom, click a
// hop for its technique and evidence). No library, no build step; the table next to it
// carries the same data for readers without JavaScript.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (parent) parent.appendChild(e);
    return e;
  }

  function shortName(key) {
    if (key.indexOf("admin:") === 0) return "admin of " + key.slice(6);
    var slash = key.lastIndexOf("/");
    if (slash >= 0 && slash < key.length - 1) return key.slice(slash + 1);
    var colon = key.lastIndexOf(":");
    return colon >= 0 ? key.slice(colon + 1) : key;
  }

  // Layered layout: a node's column is its smallest hop index over the paths drawn.
  function layout(paths) {
    var nodes = {}, order = [], edges = {}, edgeList = [];
    function node(key, depth) {
      if (!nodes[key]) { nodes[key] = { key: key, depth: depth }; order.push(key); }
      else if (depth < nodes[key].depth) nodes[key].depth = depth;
      return nodes[key];
    }
    paths.forEach(function (p) {
      (p.hops || []).forEach(function (h, i) {
        node(h.from, i); node(h.to, i + 1);
        var id = h.from + "\u0000" + h.to + "\u0000" + h.kind + "\u0000" + (h.technique || "");
        if (!edges[id]) { edges[id] = { from: h.from, to: h.to, hop: h, paths: [] }; edgeList.push(edges[id]); }
        edges[id].paths.push(p.index);
      });
    });
    // Admin targets go to the last column.
    var maxDepth = 0;
    order.forEach(function (k) { maxDepth = Math.max(maxDepth, nodes[k].depth); });
    order.forEach(function (k) { if (k.indexOf("admin:") === 0) nodes[k].depth = maxDepth; });
    var columns = {};
    order.forEach(function (k) {
      var d = nodes[k].depth;
      (columns[d] = columns[d] || []).push(nodes[k]);
    });
    Object.keys(columns).forEach(function (d) {
      columns[d].forEach(function (n, i) { n.x = 40 + Number(d) * 230; n.y = 40 + i * 56; });
    });
    return { nodes: nodes, order: order, edges: edgeList };
  }

  function showHop(panel, edge) {
    panel.textContent = "";
    var h = edge.hop;
    var title = document.createElement("h3");
    title.textContent = h.kind + (h.technique ? ": " + h.technique : "");
    panel.appendChild(title);
    var p = document.createElement("p");
    p.textContent = h.from + " \u2192 " + h.to + (h.conditional ? " (depends on undecided conditions)" : "");
    panel.appendChild(p);
    var ev = h.evidence || [];
    if (!ev.length) {
      var none = document.createElement("p");
      none.textContent = "No policy statement recorded for this hop (membership or trust edge).";
      panel.appendChild(none);
    }
    ev.forEach(function (e) {
      var head = document.createElement("p");
      head.className = "muted";
      head.textContent = [e.policy, e.sid ? "sid " + e.sid : "", e.action, e.resource].filter(Boolean).join(" \u00b7 ");
      panel.appendChild(head);
      var pre = document.createElement("pre");
      pre.className = "statement";
      pre.textContent = JSON.stringify(e.statement || e, null, 2);
      panel.appendChild(pre);
    });
  }

  function draw(host, panel, data) {
    var g = layout(data.paths || []);
    host.textContent = "";
    var svg = el("svg", { role: "group", "aria-label": "Attack paths: " + g.order.length + " nodes, " + g.edges.length + " hops" }, host);
    var defs = el("defs", {}, svg);
    var marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
    el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#8c959f" }, marker);
    var view = el("g", { "class": "viewport" }, svg);
    var W = 170, H = 30;
    var selected = null;
    g.edges.forEach(function (e, i) {
      var a = g.nodes[e.from], b = g.nodes[e.to];
      var x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      if (b.x <= a.x) { x1 = a.x + W / 2; y1 = a.y + H; x2 = b.x + W / 2; y2 = b.y; }
      var mx = (x1 + x2) / 2;
      var d = "M " + x1 + " " + y1 + " C " + mx + " " + y1 + ", " + mx + " " + y2 + ", " + x2 + " " + y2;
      var cls = "edge" + (e.hop.kind === "CAN_ESCALATE" || e.hop.kind === "ADMIN_OF" ? " escalate" : "");
      var line = el("path", { d: d, "class": cls, "marker-end": "url(#arrow)", "data-edge": i }, view);
      var hit = el("path", { d: d, "class": "edge-hit", "data-edge": i, tabindex: 0, role: "button",
                              "aria-label": e.hop.kind + " " + (e.hop.technique || "") + " from " + e.from + " to " + e.to }, view);
      var label = el("text", { x: mx, y: (y1 + y2) / 2 - 4, "text-anchor": "middle", "class": "label" }, view);
      label.textContent = e.hop.technique || e.hop.kind;
      function pick() {
        if (selected) selected.setAttribute("class", selected.getAttribute("class").replace(" selected", ""));
        line.setAttribute("class", cls + " selected");
        selected = line;
        showHop(panel, e);
      }
      hit.addEventListener("click", pick);
      hit.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(); } });
    });
    g.order.forEach(function (k) {
      var n = g.nodes[k];
      var cls = "node" + (k.indexOf("admin:") === 0 ? " admin" : (n.depth === 0 ? " source" : ""));
      var grp = el("g", { "class": cls, transform: "translate(" + n.x + "," + n.y + ")" }, view);
      el("rect", { width: W, height: H, rx: 5 }, grp);
      var t = el("text", { x: 8, y: 19 }, grp);
      var name = shortName(k);
      t.textContent = name.length > 26 ? name.slice(0, 25) + "\u2026" : name;
      el("title", {}, grp).textContent = k;
    });
    // Pan (drag) and zoom (wheel).
    var tx = 0, ty = 0, scale = 1, drag = null;
    function apply() { view.setAttribute("transform", "translate(" + tx + "," + ty + ") scale(" + scale + ")"); }
    svg.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX - tx, y: ev.clientY - ty }; });
    window.addEventListener("mouseup", function () { drag = null; });
    svg.addEventListener("mousemove", function (ev) { if (drag) { tx = ev.clientX - drag.x; ty = ev.clientY - drag.y; apply(); } });
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var f = ev.deltaY < 0 ? 1.15 : 1 / 1.15;
      var r = svg.getBoundingClientRect();
      var px = ev.clientX - r.left, py = ev.clientY - r.top;
      tx = px - (px - tx) * f; ty = py - (py - ty) * f; scale *= f; apply();
    }, { passive: false });
    if (data.truncated) {
      var note = document.createElement("p");
      note.className = "muted";
      note.textContent = "Only the first " + (data.paths || []).length + " paths are drawn; the table lists more.";
      host.parentNode.insertBefore(note, host);
    }
  }

  function init() {
    var host = document.getElementById("graph");
    var panel = document.getElementById("hop-detail");
    if (!host || !panel) return;
    fetch(host.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (data) { draw(host, panel, data); })
      .catch(function (e) { host.textContent = "The graph could not be loaded (" + e.message + "); the table below has the same paths."; });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
