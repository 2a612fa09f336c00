/// The viewer page of the visualisation: HTML, CSS and a small JavaScript program (layered
/// graph layout, SVG drawing, pan and zoom, hover details, core regions, per-core timeline),
/// all written for Celesta. `VizPages` puts the page title between `head` and `middle` and the
/// page data (JSON, `<`, `>` and `&` escaped) between `middle` and `tail`.
///
/// The page needs nothing from the network: its Content-Security-Policy allows only its own
/// inline script and style. It reports what it drew in `#celesta-status` (see `VizPages`).
enum VizTemplate {
    static let head: [UInt8] = part(0)
    static let middle: [UInt8] = part(1)
    static let tail: [UInt8] = part(2)

    /// Part `k` of the source split at the two placeholders, each line's indentation removed
    /// (the script has no multi-line strings, so this changes nothing it does).
    private static func part(_ k: Int) -> [UInt8] {
        let title = source.firstRange(of: "__CELESTA_TITLE__")!
        let data = source.firstRange(of: "__CELESTA_DATA__")!
        let parts = [source[..<title.lowerBound], source[title.upperBound..<data.lowerBound], source[data.upperBound...]]
        let lines = parts[k].split(separator: "\n", omittingEmptySubsequences: false).map { $0.drop(while: { $0 == " " }) }
        return Array(lines.joined(separator: "\n").utf8)
    }

    private static let source = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Celesta">
<title>__CELESTA_TITLE__</title>
<style>
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9dee4; --bg: #f5f7fa; --panel: #ffffff; --accent: #3b6fd4; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 13px/1.4 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: var(--bg);
  display: flex; flex-direction: column; overflow: hidden; }
header { display: flex; align-items: center; gap: 14px; padding: 10px 16px; background: var(--panel);
  border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0; font-weight: 600; }
.badge { background: #eef2f7; border: 1px solid var(--line); border-radius: 12px; padding: 2px 10px; color: var(--muted); font-size: 12px; }
.badge b { color: var(--ink); font-weight: 600; }
.spacer { flex: 1; }
button { font: inherit; border: 1px solid var(--line); background: #fff; border-radius: 6px; padding: 3px 10px; cursor: pointer; color: var(--ink); }
button:hover { border-color: var(--accent); color: var(--accent); }
main { flex: 1; display: flex; min-height: 0; }
#stage { flex: 1; position: relative; min-width: 0; background:
  radial-gradient(circle, #dfe4ea 1px, transparent 1px) 0 0 / 22px 22px, var(--bg); }
#stage svg { width: 100%; height: 100%; display: block; cursor: grab; user-select: none; }
#stage svg.dragging { cursor: grabbing; }
aside { width: 320px; background: var(--panel); border-left: 1px solid var(--line); overflow: auto; padding: 12px 14px; }
aside h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 14px 0 6px; }
aside h2:first-child { margin-top: 0; }
aside h3 { font-size: 15px; margin: 0 0 2px; word-break: break-all; }
table.kv { border-collapse: collapse; width: 100%; }
table.kv td { padding: 2px 4px; vertical-align: top; border-bottom: 1px solid #f0f2f5; word-break: break-word; }
table.kv td:first-child { color: var(--muted); white-space: nowrap; width: 1%; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 10px; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.sw { width: 12px; height: 12px; border-radius: 3px; border: 1px solid rgba(0,0,0,.25); display: inline-block; }
.sw.core { background: transparent; border: 2px dashed; }
.param { border: 1px solid var(--line); border-radius: 6px; padding: 4px 6px; margin: 4px 0; }
.param .name { font-weight: 600; }
.param .meta { color: var(--muted); font-size: 12px; }
.hint { color: var(--muted); font-size: 12px; }
#tip { position: absolute; pointer-events: none; background: rgba(31,41,51,.95); color: #fff; padding: 7px 10px; border-radius: 6px;
  font-size: 12px; max-width: 360px; display: none; z-index: 5; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
#tip b { font-size: 13px; }
#tip .t { color: #9fb3c8; }
#tip table { border-collapse: collapse; margin-top: 3px; }
#tip td { padding: 0 8px 0 0; vertical-align: top; }
.node text { font-size: 12px; fill: var(--ink); pointer-events: none; }
.node text.sub { font-size: 10.5px; fill: #3e4c59; }
.node .outline { stroke: rgba(31,41,51,.55); stroke-width: 1.2; }
.node:hover .outline, .node.sel .outline { stroke: var(--accent); stroke-width: 2.5; }
.edge { fill: none; stroke: #7b8794; stroke-width: 1.4; }
.edge.cross { stroke: #d64545; stroke-dasharray: 6 4; stroke-width: 1.8; }
.edge.back { stroke: #8a5cd0; stroke-dasharray: 3 3; }
.edge.hi { stroke: var(--accent); stroke-width: 2.6; }
.region rect { fill-opacity: .07; stroke-width: 2; stroke-dasharray: 8 5; }
.region text { font-size: 13px; font-weight: 600; }
.group rect { fill-opacity: .22; stroke-opacity: .9; stroke-width: 1.2; }
.group text { font-size: 11px; fill: #3e4c59; }
.lane-label { font-size: 13px; font-weight: 600; }
.chip rect { stroke-width: 1.2; }
.chip text { font-size: 11px; fill: var(--ink); pointer-events: none; }
.axis text { font-size: 11px; fill: var(--muted); }
.axis line { stroke: #e4e7eb; }
#celesta-status { display: none; }
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div id="badges" style="display:flex;gap:6px;flex-wrap:wrap"></div>
  <div class="spacer"></div>
  <button id="fit" title="Fit the drawing to the window">Fit</button>
  <button id="zin" title="Zoom in">+</button>
  <button id="zout" title="Zoom out">&minus;</button>
</header>
<main>
  <div id="stage"><svg id="svg" role="img"></svg><div id="tip"></div></div>
  <aside id="side"></aside>
</main>
<pre id="celesta-status">{"state": "loading"}</pre>
<script type="application/json" id="celesta-data">__CELESTA_DATA__</script>
<script>
(function () {
  'use strict';
  var started = performance.now();
  var status = { view: null, nodes: 0, edges: 0, regions: 0, groups: 0, lanes: 0, skipped_edges: 0, errors: [], lazy: false, laid_out_nodes: 0, laid_out_edges: 0, script_ms: null, load_ms: null };
  function report() { document.getElementById('celesta-status').textContent = JSON.stringify(status); }
  window.addEventListener('error', function (e) { status.errors.push(String(e.message || e)); report(); });
  document.addEventListener('securitypolicyviolation', function (e) { status.errors.push('blocked: ' + e.blockedURI); report(); });
  var consoleError = console.error;
  console.error = function () { status.errors.push(Array.prototype.join.call(arguments, ' ')); report(); return consoleError.apply(console, arguments); };

  var NS = 'http' + '://www.w3.org/2000/svg';
  var LAZY_NODES = 1500;
  var DATA = JSON.parse(document.getElementById('celesta-data').textContent);
  var svg = document.getElementById('svg');
  var tip = document.getElementById('tip');
  var side = document.getElementById('side');

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  }
  function shapeText(s) { return s == null ? '?' : '[' + s.join(', ') + ']'; }
  function num(v) {
    if (v == null) return 'n/a';
    if (typeof v !== 'number') return String(v);
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
    return v.toPrecision(4).replace(/\.?0+$/, '');
  }
  function short(v) {
    if (v == null) return 'None';
    if (Array.isArray(v)) return '[' + v.map(short).join(', ') + ']';
    if (typeof v === 'object') {
      if ('stats' in v && 'shape' in v) return shapeText(v.shape) + ' ' + v.dtype;
      return '{' + Object.keys(v).map(function (k) { return k + ': ' + short(v[k]); }).join(', ') + '}';
    }
    return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : num(v)) : String(v);
  }
  var measureCtx = document.createElement('canvas').getContext('2d');
  var widthCache = {};
  function textWidth(s, font) {
    var key = font + '|' + s;
    if (!(key in widthCache)) { measureCtx.font = font; widthCache[key] = measureCtx.measureText(s).width; }
    return widthCache[key];
  }
  function badge(label, value) {
    var b = document.createElement('span');
    b.className = 'badge';
    b.innerHTML = esc(label) + ' <b>' + esc(value) + '</b>';
    document.getElementById('badges').appendChild(b);
  }

  // ---- pan and zoom -------------------------------------------------------------------------
  var root = el('g', {}, svg);
  var view = { x: 0, y: 0, k: 1 }, bounds = { x: 0, y: 0, w: 1, h: 1 };
  var onView = null;
  function apply() {
    root.setAttribute('transform', 'translate(' + view.x + ',' + view.y + ') scale(' + view.k + ')');
    if (onView) onView();
  }
  function fit(readable) {
    var W = svg.clientWidth || 800, H = svg.clientHeight || 600, pad = 30;
    var k = Math.min((W - 2 * pad) / bounds.w, (H - 2 * pad) / bounds.h, 1.6);
    // A tall graph is shown from its top at a readable size rather than shrunk to fit.
    if (readable && k < 0.8) k = Math.max(k, Math.min(0.9, (W - 2 * pad) / bounds.w));
    view.k = k;
    view.x = (W - bounds.w * k) / 2 - bounds.x * k;
    view.y = bounds.h * k <= H - 2 * pad ? (H - bounds.h * k) / 2 - bounds.y * k : pad - bounds.y * k;
    apply();
  }
  function zoomAt(factor, cx, cy) {
    var k = Math.max(0.02, Math.min(8, view.k * factor));
    view.x = cx - (cx - view.x) * k / view.k;
    view.y = cy - (cy - view.y) * k / view.k;
    view.k = k;
    apply();
  }
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    var r = svg.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  var drag = null;
  svg.addEventListener('mousedown', function (e) { drag = { x: e.clientX - view.x, y: e.clientY - view.y, moved: false }; svg.classList.add('dragging'); });
  window.addEventListener('mousemove', function (e) {
    if (!drag) return;
    view.x = e.clientX - drag.x; view.y = e.clientY - drag.y; drag.moved = true; apply();
  });
  window.addEventListener('mouseup', function () { svg.classList.remove('dragging'); setTimeout(function () { drag = null; }, 0); });
  document.getElementById('fit').onclick = function () { fit(false); };
  document.getElementById('zin').onclick = function () { zoomAt(1.25, svg.clientWidth / 2, svg.clientHeight / 2); };
  document.getElementById('zout').onclick = function () { zoomAt(0.8, svg.clientWidth / 2, svg.clientHeight / 2); };

  function showTip(html, e) {
    tip.innerHTML = html;
    tip.style.display = 'block';
    var r = document.getElementById('stage').getBoundingClientRect();
    var x = e.clientX - r.left + 14, y = e.clientY - r.top + 14;
    if (x + tip.offsetWidth > r.width) x = Math.max(4, e.clientX - r.left - tip.offsetWidth - 14);
    if (y + tip.offsetHeight > r.height) y = Math.max(4, e.clientY - r.top - tip.offsetHeight - 14);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }
  function hideTip() { tip.style.display = 'none'; }

  // ---- layered layout (cycles broken by DFS, long edges through dummy points) ---------------
  function layout(items, links, rankKey, rowGap) {
    var n = items.length, i, j;
    var out = [], inn = [];
    for (i = 0; i < n; i++) { out.push([]); inn.push([]); }
    links.forEach(function (l) { if (l.s !== l.t) out[l.s].push(l.t); });
    links.forEach(function (l) { if (l.s !== l.t) inn[l.t].push(l.s); });
    // DFS from the sources first: the edges that close a cycle are drawn backwards.
    var state = new Int8Array(n), back = new Set();
    var starts = [];
    for (i = 0; i < n; i++) if (inn[i].length === 0) starts.push(i);
    for (i = 0; i < n; i++) starts.push(i);
    starts.forEach(function (r) {
      if (state[r]) return;
      var stack = [[r, 0]];
      state[r] = 1;
      while (stack.length) {
        var top = stack[stack.length - 1], v = top[0];
        if (top[1] < out[v].length) {
          var w = out[v][top[1]++];
          if (state[w] === 1) back.add(v * n + w);
          else if (!state[w]) { state[w] = 1; stack.push([w, 0]); }
        } else { state[v] = 2; stack.pop(); }
      }
    });
    // Longest-path layers over the forward edges.
    var fwd = [], deg = new Int32Array(n);
    for (i = 0; i < n; i++) fwd.push([]);
    links.forEach(function (l) {
      if (l.s === l.t) return;
      var a = l.s, b = l.t;
      if (back.has(a * n + b)) { a = l.t; b = l.s; }
      fwd[a].push(b); deg[b]++;
    });
    var layer = new Int32Array(n), queue = [], order = [];
    for (i = 0; i < n; i++) if (deg[i] === 0) queue.push(i);
    for (var h = 0; h < queue.length; h++) {
      var v = queue[h];
      order.push(v);
      fwd[v].forEach(function (w) { if (layer[v] + 1 > layer[w]) layer[w] = layer[v] + 1; if (--deg[w] === 0) queue.push(w); });
    }
    // Points: the items, then one dummy per layer crossed by a long edge.
    var pts = items.map(function (it, k) { return { w: it.w, h: it.h, layer: layer[k], up: [], down: [], key: rankKey ? rankKey(k) : 0, real: true }; });
    var routes = links.map(function (l) {
      if (l.s === l.t) return null;
      var a = l.s, b = l.t, rev = back.has(a * n + b);
      if (rev) { a = l.t; b = l.s; }
      var chain = [a];
      for (var y = pts[a].layer + 1; y < pts[b].layer; y++) {
        if (pts.length > 60000) break;
        pts.push({ w: 8, h: 8, layer: y, up: [], down: [], key: pts[a].key, real: false });
        chain.push(pts.length - 1);
      }
      chain.push(b);
      for (var c = 0; c + 1 < chain.length; c++) { pts[chain[c]].down.push(chain[c + 1]); pts[chain[c + 1]].up.push(chain[c]); }
      return { chain: rev ? chain.slice().reverse() : chain, back: rev };
    });
    var depth = 0;
    pts.forEach(function (p) { if (p.layer > depth) depth = p.layer; });
    var layers = [];
    for (i = 0; i <= depth; i++) layers.push([]);
    var seen = new Uint8Array(pts.length);
    order.forEach(function (v) { if (!seen[v]) { seen[v] = 1; layers[pts[v].layer].push(v); } });
    for (i = 0; i < pts.length; i++) if (!seen[i]) layers[pts[i].layer].push(i);
    function positions() { layers.forEach(function (L) { L.forEach(function (v, k) { pts[v].pos = k; }); }); }
    positions();
    function sweep(down) {
      for (var li = down ? 1 : depth - 1; down ? li <= depth : li >= 0; li += down ? 1 : -1) {
        var L = layers[li];
        L.forEach(function (v) {
          var nb = down ? pts[v].up : pts[v].down;
          if (nb.length) { var s = 0; nb.forEach(function (u) { s += pts[u].pos; }); pts[v].bary = s / nb.length; } else pts[v].bary = pts[v].pos;
        });
        L.sort(function (a, b) { return (pts[a].key - pts[b].key) || (pts[a].bary - pts[b].bary) || (pts[a].pos - pts[b].pos); });
        L.forEach(function (v, k) { pts[v].pos = k; });
      }
    }
    var rounds = pts.length > 20000 ? 1 : 6;
    for (i = 0; i < rounds; i++) { sweep(true); sweep(false); }
    // x: packed, then pulled towards the neighbours' mean (forward and backward packings averaged).
    var gap = 36;
    layers.forEach(function (L) {
      var x = 0;
      L.forEach(function (v, k) { if (k) x += (pts[L[k - 1]].w + pts[v].w) / 2 + gap; pts[v].x = x; });
      var shift = x / 2;
      L.forEach(function (v) { pts[v].x -= shift; });
    });
    function sep(L, k) { return (pts[L[k - 1]].w + pts[L[k]].w) / 2 + (pts[L[k - 1]].key !== pts[L[k]].key ? gap * 2 : gap); }
    function pull(down) {
      for (var li = down ? 1 : depth - 1; down ? li <= depth : li >= 0; li += down ? 1 : -1) {
        var L = layers[li], m = L.length, want = [], a = [], b = [], k;
        for (k = 0; k < m; k++) {
          var nb = down ? pts[L[k]].up : pts[L[k]].down;
          if (nb.length) { var s = 0; nb.forEach(function (u) { s += pts[u].x; }); want.push(s / nb.length); } else want.push(pts[L[k]].x);
        }
        for (k = 0; k < m; k++) a.push(k ? Math.max(want[k], a[k - 1] + sep(L, k)) : want[k]);
        for (k = m - 1; k >= 0; k--) b[k] = k < m - 1 ? Math.min(want[k], b[k + 1] - sep(L, k + 1)) : want[k];
        for (k = 0; k < m; k++) pts[L[k]].x = (a[k] + b[k]) / 2;
      }
    }
    var pulls = pts.length > 20000 ? 1 : 4;
    for (i = 0; i < pulls; i++) { pull(true); pull(false); }
    var rowH = [], y = 0;
    layers.forEach(function (L, li) {
      var h = 0;
      L.forEach(function (v) { if (pts[v].h > h) h = pts[v].h; });
      rowH.push(h);
      y += (li ? rowH[li - 1] / 2 + rowGap : 0) + (li ? h / 2 : 0);
      L.forEach(function (v) { pts[v].y = y; });
    });
    return { pts: pts, routes: routes };
  }

  function curve(p) {
    var d = 'M' + p[0][0].toFixed(1) + ',' + p[0][1].toFixed(1);
    for (var i = 1; i < p.length; i++) {
      var my = (p[i - 1][1] + p[i][1]) / 2;
      d += 'C' + p[i - 1][0].toFixed(1) + ',' + my.toFixed(1) + ' ' + p[i][0].toFixed(1) + ',' + my.toFixed(1) + ' ' + p[i][0].toFixed(1) + ',' + p[i][1].toFixed(1);
    }
    return d;
  }

  function outline(shape, w, h, attrs, parent) {
    var x = -w / 2, y = -h / 2, e;
    function poly(points) { return el('polygon', Object.assign({ points: points.map(function (p) { return p[0].toFixed(1) + ',' + p[1].toFixed(1); }).join(' ') }, attrs), parent); }
    switch (shape) {
      case 'terminal': return el('rect', Object.assign({ x: x, y: y, width: w, height: h, rx: h / 2 }, attrs), parent);
      case 'neuron': return el('ellipse', Object.assign({ cx: 0, cy: 0, rx: w / 2, ry: h / 2 }, attrs), parent);
      case 'trapezoid': return poly([[x, y], [-x, y], [-x - w * 0.12, -y], [x + w * 0.12, -y]]);
      case 'invtrapezoid': return poly([[x + w * 0.12, y], [-x - w * 0.12, y], [-x, -y], [x, -y]]);
      case 'diamond': return poly([[0, y], [-x, 0], [0, -y], [x, 0]]);
      case 'hexagon': return poly([[x + h * 0.3, y], [-x - h * 0.3, y], [-x, 0], [-x - h * 0.3, -y], [x + h * 0.3, -y], [x, 0]]);
      case 'octagon': var c = Math.min(w, h) * 0.28; return poly([[x + c, y], [-x - c, y], [-x, y + c], [-x, -y - c], [-x - c, -y], [x + c, -y], [x, -y - c], [x, y + c]]);
      default: e = el('rect', Object.assign({ x: x, y: y, width: w, height: h, rx: shape === 'narrow' ? 4 : 7 }, attrs), parent); return e;
    }
  }

  var DIMS = { terminal: [120, 36], rectangle: [140, 48], neuron: [116, 54], trapezoid: [116, 46], invtrapezoid: [116, 46], narrow: [96, 36], diamond: [110, 56], hexagon: [150, 52], octagon: [140, 52] };

  function paramsHTML(node) {
    var names = Object.keys(node.params || {});
    if (!names.length) return '';
    return names.map(function (k) {
      var p = node.params[k], s = p.stats || {};
      return '<div class="param"><span class="name">' + esc(k) + '</span> <span class="meta">' + esc(shapeText(p.shape)) + ' ' + esc(p.dtype) +
        ' &middot; ' + esc(num(p.size)) + ' values</span><br><span class="meta">min ' + esc(num(s.min)) + ' &middot; max ' + esc(num(s.max)) +
        ' &middot; mean ' + esc(num(s.mean)) + ' &middot; std ' + esc(num(s.std)) + '</span></div>';
    }).join('');
  }
  function kvTable(obj) {
    var keys = Object.keys(obj || {});
    if (!keys.length) return '';
    return '<table class="kv">' + keys.map(function (k) { return '<tr><td>' + esc(k) + '</td><td>' + esc(short(obj[k])) + '</td></tr>'; }).join('') + '</table>';
  }

  // ---- the graph views -----------------------------------------------------------------------
  function graphView(G, partitioned) {
    var nodes = G.nodes, index = {};
    nodes.forEach(function (nd, i) { index[nd.id] = i; });
    var meta = G.metadata || {};
    var groupsById = {};
    (G.groups || []).forEach(function (g) { groupsById[g.id] = g; });
    var cores = [], coreRank = {};
    if (partitioned) (meta.core_legend || []).forEach(function (c, i) { cores.push(c); coreRank[c.core_id] = i; });
    var items = nodes.map(function (nd) {
      var dims = DIMS[nd.shape] || DIMS.rectangle;
      var sub = nd.type + (nd.output_shape ? ' \u2192 ' + shapeText(nd.output_shape) : '');
      var w = Math.max(dims[0], textWidth(nd.id, '600 12px sans-serif') + 30, textWidth(sub, '10.5px sans-serif') + 26);
      if (nd.shape === 'diamond' || nd.shape === 'neuron') w *= 1.18;
      if (nd.shape === 'trapezoid' || nd.shape === 'invtrapezoid' || nd.shape === 'hexagon' || nd.shape === 'octagon') w = Math.max(dims[0], w + 28);
      return { w: Math.ceil(w), h: dims[1], sub: sub };
    });
    var links = [];
    G.edges.forEach(function (e, k) {
      if (e.source in index && e.target in index) links.push({ s: index[e.source], t: index[e.target], k: k });
      else status.skipped_edges++;
    });
    var rankKey = null;
    if (partitioned) rankKey = function (i) { var h = nodes[i].hardware; return h && h.core_id != null && h.core_id in coreRank ? coreRank[h.core_id] : -1; };
    var L = layout(items, links, rankKey, partitioned ? 64 : 40);
    var pts = L.pts;

    var defs = el('defs', {}, svg);
    [['arrow', '#7b8794'], ['arrow-cross', '#d64545'], ['arrow-back', '#8a5cd0'], ['arrow-hi', '#3b6fd4']].forEach(function (m) {
      var mk = el('marker', { id: m[0], viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
      el('path', { d: 'M0,0L10,5L0,10z', fill: m[1] }, mk);
    });
    var gRegions = el('g', { 'class': 'regions' }, root);
    var gGroups = el('g', { 'class': 'groups' }, root);
    var gEdges = el('g', { 'class': 'edges' }, root);
    var gNodes = el('g', { 'class': 'nodes' }, root);

    function box(members, pad) {
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      members.forEach(function (i) { var p = pts[i]; x0 = Math.min(x0, p.x - p.w / 2); x1 = Math.max(x1, p.x + p.w / 2); y0 = Math.min(y0, p.y - p.h / 2); y1 = Math.max(y1, p.y + p.h / 2); });
      return { x: x0 - pad, y: y0 - pad, w: x1 - x0 + 2 * pad, h: y1 - y0 + 2 * pad };
    }
    // Core regions: one box per run of consecutive layers holding the core's nodes.
    if (partitioned) {
      cores.forEach(function (c) {
        var members = [];
        nodes.forEach(function (nd, i) { if (nd.hardware && nd.hardware.core_id === c.core_id) members.push(i); });
        members.sort(function (a, b) { return pts[a].layer - pts[b].layer; });
        var runs = [], run = [];
        members.forEach(function (i) {
          if (run.length && pts[i].layer > pts[run[run.length - 1]].layer + 1) { runs.push(run); run = []; }
          run.push(i);
        });
        if (run.length) runs.push(run);
        runs.forEach(function (r, ri) {
          var b = box(r, 14);
          var g = el('g', { 'class': 'region', 'data-core': c.core_id }, gRegions);
          el('rect', { x: b.x, y: b.y - 14, width: b.w, height: b.h + 14, rx: 14, fill: c.color, stroke: c.color }, g);
          var t = el('text', { x: b.x + 12, y: b.y + 4, fill: c.color }, g);
          t.textContent = c.label + (runs.length > 1 ? ' (' + (ri + 1) + '/' + runs.length + ')' : '');
          status.regions++;
        });
      });
    }
    // Pattern groups (not in the partitioned view, where the core regions take their place).
    (partitioned ? [] : G.groups || []).forEach(function (g) {
      var members = g.nodes.filter(function (id) { return id in index; }).map(function (id) { return index[id]; });
      if (!members.length) return;
      var b = box(members, 10);
      var gg = el('g', { 'class': 'group' }, gGroups);
      el('rect', { x: b.x, y: b.y - 12, width: b.w, height: b.h + 12, rx: 10, fill: g.color, stroke: g.color }, gg);
      var t = el('text', { x: b.x + 8, y: b.y - 1 }, gg);
      t.textContent = g.label + ' \u00b7 ' + g.subtitle;
      status.groups++;
    });

    var crossSet = {};
    G.edges.forEach(function (e) { if (e.cross_core) crossSet[e.source + '\u0000' + e.target] = true; });
    // Every edge's path and box, drawn now or (for a large graph) when it comes into view.
    var byNode = nodes.map(function () { return []; });
    var edgeSpec = links.map(function (l, li) {
      var r = L.routes[li], d, cls = 'edge', marker = 'arrow', P;
      var e = G.edges[l.k];
      if (!r) {
        var p = pts[l.s];
        d = 'M' + (p.x + p.w / 2) + ',' + (p.y - 8) + 'c50,-30 50,46 0,16';
        P = [[p.x + p.w / 2, p.y - 30], [p.x + p.w / 2 + 40, p.y + 30]];
      } else {
        var chain = r.chain, a = pts[chain[0]], b = pts[chain[chain.length - 1]];
        P = [];
        if (r.back) {
          P.push([a.x + a.w / 2 - 8, a.y - a.h / 2]);
          for (var c = 1; c + 1 < chain.length; c++) P.push([pts[chain[c]].x + 60, pts[chain[c]].y]);
          P.push([b.x + b.w / 2 - 8, b.y + b.h / 2 + 2]);
        } else {
          P.push([a.x, a.y + a.h / 2]);
          for (var c2 = 1; c2 + 1 < chain.length; c2++) P.push([pts[chain[c2]].x, pts[chain[c2]].y]);
          P.push([b.x, b.y - b.h / 2 - 2]);
        }
        d = curve(P);
        if (r.back) { cls += ' back'; marker = 'arrow-back'; }
      }
      if (e.cross_core || crossSet[e.source + '\u0000' + e.target]) { cls += ' cross'; marker = 'arrow-cross'; }
      var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      P.forEach(function (q) { x0 = Math.min(x0, q[0]); x1 = Math.max(x1, q[0]); y0 = Math.min(y0, q[1]); y1 = Math.max(y1, q[1]); });
      return { d: d, cls: cls, marker: marker, e: e, l: l, x0: x0 - 60, x1: x1 + 60, y0: y0, y1: y1, el: null };
    });
    function drawEdge(spec) {
      var path = el('path', { d: spec.d, 'class': spec.cls, 'marker-end': 'url(#' + spec.marker + ')', 'data-source': spec.e.source, 'data-target': spec.e.target }, gEdges);
      path.dataset.marker = spec.marker;
      spec.el = path;
      byNode[spec.l.s].push(path);
      if (spec.l.t !== spec.l.s) byNode[spec.l.t].push(path);
      if (highlighted.indexOf(spec.l.s) >= 0 || highlighted.indexOf(spec.l.t) >= 0) { path.classList.add('hi'); path.setAttribute('marker-end', 'url(#arrow-hi)'); }
      status.edges++;
    }
    var nodeEls = new Array(nodes.length);
    function drawNode(i) {
      var nd = nodes[i], p = pts[i], it = items[i];
      var g = el('g', { 'class': 'node', transform: 'translate(' + p.x.toFixed(1) + ',' + p.y.toFixed(1) + ')', 'data-id': nd.id, 'data-index': i }, gNodes);
      var attrs = { 'class': 'outline', fill: nd.color || '#e0e0e0' };
      if (partitioned) attrs['fill-opacity'] = 0.5;
      if (nd.borderColor) { attrs.stroke = nd.borderColor; attrs['stroke-dasharray'] = '7 4'; attrs['stroke-width'] = nd.borderWidth || 3; attrs.style = 'stroke:' + nd.borderColor; }
      outline(nd.shape, it.w, it.h, attrs, g);
      var t1 = el('text', { 'text-anchor': 'middle', y: -2, 'font-weight': 600 }, g);
      t1.textContent = nd.id;
      var t2 = el('text', { 'class': 'sub', 'text-anchor': 'middle', y: 13 }, g);
      t2.textContent = it.sub;
      nodeEls[i] = g;
      status.nodes++;
    }
    var highlighted = [];
    // A large graph is drawn as it comes into view (the browser's layout of tens of thousands
    // of SVG elements would take seconds); a smaller one at once.
    var lazy = nodes.length > LAZY_NODES;
    status.lazy = lazy;
    status.laid_out_nodes = nodes.length;
    status.laid_out_edges = links.length;
    if (!lazy) {
      edgeSpec.forEach(drawEdge);
      nodes.forEach(function (nd, i) { drawNode(i); });
    } else {
      onView = function () {
        var W = svg.clientWidth || 800, H = svg.clientHeight || 600, m = 200 / view.k;
        var x0 = -view.x / view.k - m, y0 = -view.y / view.k - m, x1 = (W - view.x) / view.k + m, y1 = (H - view.y) / view.k + m;
        edgeSpec.forEach(function (sp) { if (!sp.el && sp.x1 >= x0 && sp.x0 <= x1 && sp.y1 >= y0 && sp.y0 <= y1) drawEdge(sp); });
        for (var i = 0; i < nodes.length; i++) {
          var p = pts[i];
          if (!nodeEls[i] && p.x + p.w / 2 >= x0 && p.x - p.w / 2 <= x1 && p.y + p.h / 2 >= y0 && p.y - p.h / 2 <= y1) drawNode(i);
        }
        report();
      };
    }

    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    pts.forEach(function (p) { minX = Math.min(minX, p.x - p.w / 2 - 80); maxX = Math.max(maxX, p.x + p.w / 2 + 80); minY = Math.min(minY, p.y - p.h / 2 - 40); maxY = Math.max(maxY, p.y + p.h / 2 + 30); });
    if (!pts.length) { minX = 0; minY = 0; maxX = 400; maxY = 200; }
    bounds = { x: minX, y: minY, w: maxX - minX, h: maxY - minY };

    function tipHTML(nd) {
      var h = '<b>' + esc(nd.id) + '</b> <span class="t">' + esc(nd.type) + '</span><table>' +
        '<tr><td class="t">input</td><td>' + esc(shapeText(nd.input_shape)) + '</td></tr>' +
        '<tr><td class="t">output</td><td>' + esc(shapeText(nd.output_shape)) + '</td></tr>' +
        '<tr><td class="t">parameters</td><td>' + esc(num(nd.param_count)) + '</td></tr>';
      Object.keys(nd.params || {}).forEach(function (k) { var q = nd.params[k]; h += '<tr><td class="t">' + esc(k) + '</td><td>' + esc(shapeText(q.shape) + ' ' + q.dtype + ', mean ' + num(q.stats.mean)) + '</td></tr>'; });
      (nd.display_params || []).forEach(function (k) { if (nd.config && k in nd.config) h += '<tr><td class="t">' + esc(k) + '</td><td>' + esc(short(nd.config[k])) + '</td></tr>'; });
      if (nd.hardware && nd.hardware.core_id != null) h += '<tr><td class="t">core</td><td>' + esc(nd.hardware.core_id) + '</td></tr>';
      if (nd.group && groupsById[nd.group]) h += '<tr><td class="t">group</td><td>' + esc(groupsById[nd.group].label) + '</td></tr>';
      return h + '</table>';
    }
    function details(nd) {
      var h = '<h2>Node</h2><h3>' + esc(nd.id) + '</h3><div class="hint">' + esc(nd.type) + '</div>';
      h += '<table class="kv"><tr><td>input</td><td>' + esc(shapeText(nd.input_shape)) + '</td></tr><tr><td>output</td><td>' + esc(shapeText(nd.output_shape)) +
        '</td></tr><tr><td>parameters</td><td>' + esc(num(nd.param_count)) + '</td></tr></table>';
      var ps = paramsHTML(nd); if (ps) h += '<h2>Arrays</h2>' + ps;
      var cf = kvTable(nd.config); if (cf) h += '<h2>Configuration</h2>' + cf;
      var hw = kvTable(nd.hardware); if (hw) h += '<h2>Hardware</h2>' + hw;
      var ins = G.edges.filter(function (e) { return e.target === nd.id; }).map(function (e) { return e.source; });
      var outs = G.edges.filter(function (e) { return e.source === nd.id; }).map(function (e) { return e.target; });
      h += '<h2>Connections</h2><table class="kv"><tr><td>from</td><td>' + esc(ins.join(', ') || '-') + '</td></tr><tr><td>to</td><td>' + esc(outs.join(', ') || '-') + '</td></tr></table>';
      h += '<p class="hint"><a href="#" id="back">&larr; graph summary</a></p>';
      side.innerHTML = h;
      document.getElementById('back').onclick = function (ev) { ev.preventDefault(); select(-1); };
    }
    function summary() {
      var S = G.summary || {}, h = '<h2>Graph</h2><table class="kv">' +
        '<tr><td>nodes</td><td>' + esc(num(S.node_count)) + '</td></tr><tr><td>edges</td><td>' + esc(num(S.edge_count)) + '</td></tr>' +
        '<tr><td>parameters</td><td>' + esc(num(S.total_params)) + '</td></tr>' +
        '<tr><td>inputs</td><td>' + esc((S.inputs || []).map(function (x) { return x.id + ' ' + shapeText(x.shape); }).join(', ')) + '</td></tr>' +
        '<tr><td>outputs</td><td>' + esc((S.outputs || []).map(function (x) { return x.id + ' ' + shapeText(x.shape); }).join(', ')) + '</td></tr></table>';
      var colors = {};
      nodes.forEach(function (nd) { if (!(nd.type in colors)) colors[nd.type] = nd.color; });
      h += '<h2>Node types</h2><div class="legend">' + Object.keys(S.node_counts || {}).map(function (t) {
        return '<span><i class="sw" style="background:' + esc(colors[t] || '#e0e0e0') + '"></i>' + esc(t) + ' &times;' + esc(S.node_counts[t]) + '</span>';
      }).join('') + '</div>';
      if (partitioned) {
        var P = meta.partition || {};
        h += '<h2>Cores</h2><div class="legend">' + cores.map(function (c) {
          return '<span><i class="sw core" style="border-color:' + esc(c.color) + '"></i>' + esc(c.label) + ' &middot; ' + esc(c.node_count) + ' nodes</span>';
        }).join('') + '</div>';
        if (meta.partition) h += '<table class="kv"><tr><td>algorithm</td><td>' + esc(P.algorithm) + '</td></tr><tr><td>cores used</td><td>' + esc(P.num_cores_used) +
          '</td></tr><tr><td>cross-core edges</td><td>' + esc(P.cross_core_edges) + '</td></tr></table>';
      }
      if ((G.groups || []).length) h += '<h2>Patterns</h2>' + G.groups.map(function (g) { return '<div class="param"><span class="name">' + esc(g.label) + '</span><br><span class="meta">' + esc(g.subtitle) + '</span></div>'; }).join('');
      var md = {};
      Object.keys(meta).forEach(function (k) { if (['partition', 'core_legend', 'type_legend'].indexOf(k) < 0) md[k] = meta[k]; });
      var mt = kvTable(md); if (mt) h += '<h2>Metadata</h2>' + mt;
      h += '<p class="hint">Hover a node for its shapes; click it for its arrays and configuration. Drag to pan, wheel to zoom.</p>';
      side.innerHTML = h;
    }
    var selected = -1;
    function highlight(i, on) {
      if (i < 0) return;
      var k = highlighted.indexOf(i);
      if (on && k < 0) highlighted.push(i);
      if (!on && k >= 0) highlighted.splice(k, 1);
      byNode[i].forEach(function (p) {
        p.classList.toggle('hi', on);
        p.setAttribute('marker-end', 'url(#' + (on ? 'arrow-hi' : p.dataset.marker) + ')');
      });
    }
    function select(i) {
      if (selected >= 0) { nodeEls[selected].classList.remove('sel'); highlight(selected, false); }
      selected = i;
      if (i >= 0) { nodeEls[i].classList.add('sel'); highlight(i, true); details(nodes[i]); } else summary();
    }
    function nodeOf(target) { var g = target.closest ? target.closest('g.node') : null; return g ? +g.getAttribute('data-index') : -1; }
    var hovered = -1;
    svg.addEventListener('mousemove', function (e) {
      if (drag && drag.moved) { hideTip(); return; }
      var i = nodeOf(e.target);
      if (i !== hovered) { if (hovered >= 0 && hovered !== selected) highlight(hovered, false); hovered = i; if (i >= 0) highlight(i, true); }
      if (i >= 0) showTip(tipHTML(nodes[i]), e); else hideTip();
    });
    svg.addEventListener('mouseleave', function () { hideTip(); if (hovered >= 0 && hovered !== selected) highlight(hovered, false); hovered = -1; });
    svg.addEventListener('click', function (e) { if (drag && drag.moved) return; select(nodeOf(e.target)); });
    summary();
    var S = G.summary || {};
    badge('nodes', num(S.node_count));
    badge('edges', num(S.edge_count));
    badge('parameters', num(S.total_params));
    if (partitioned) badge('cores', num(cores.length));
    if ((G.groups || []).length) badge('patterns', num(G.groups.length));
    fit(true);
  }

  // ---- the execution schedule ----------------------------------------------------------------
  function scheduleView(D) {
    var S = D.schedule, lanes = S.lanes || [];
    var W = Math.max(svg.clientWidth || 900, 600), labelW = 96, right = 30, top = 40;
    var laneH = Math.max(46, Math.min(72, ((svg.clientHeight || 600) - top - 30) / Math.max(1, lanes.length)));
    var chipH = laneH - 18;
    var span = S.makespan > 0 ? S.makespan : 1;
    var scale = (W - labelW - right) / span;
    var where = {};
    var gAxis = el('g', { 'class': 'axis' }, root);
    var gLanes = el('g', {}, root);
    var gDeps = el('g', {}, root);
    var defs = el('defs', {}, svg);
    var mk = el('marker', { id: 'dep', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M0,0L10,5L0,10z', fill: '#d64545' }, mk);
    var ticks = 8, stepT = Math.pow(10, Math.floor(Math.log10(span / ticks))), mult = [1, 2, 5, 10].find(function (m) { return span / (stepT * m) <= ticks; }) || 10;
    stepT *= mult;
    var H = top + lanes.length * laneH + 10;
    for (var t = 0; t <= span + 1e-9; t += stepT) {
      var x = labelW + t * scale;
      el('line', { x1: x, x2: x, y1: top - 8, y2: H }, gAxis);
      var tx = el('text', { x: x, y: top - 14, 'text-anchor': 'middle' }, gAxis);
      tx.textContent = num(Math.round(t * 1000) / 1000) + (t === 0 ? ' ' + S.unit : '');
    }
    lanes.forEach(function (lane, li) {
      var y = top + li * laneH;
      var lab = el('text', { 'class': 'lane-label', x: 8, y: y + laneH / 2 + 4, fill: lane.color }, gLanes);
      lab.textContent = lane.label;
      el('rect', { x: labelW, y: y + 4, width: span * scale, height: laneH - 8, rx: 6, fill: lane.color, 'fill-opacity': 0.06, stroke: lane.color, 'stroke-dasharray': '6 4' }, gLanes);
      status.lanes++;
      lane.items.forEach(function (it) {
        var x0 = labelW + it.start * scale, w = Math.max(2, it.duration * scale - 2);
        var g = el('g', { 'class': 'chip', 'data-id': it.id }, gLanes);
        el('rect', { x: x0 + 1, y: y + 9, width: w, height: chipH, rx: 4, fill: it.color, 'fill-opacity': 0.28, stroke: it.color }, g);
        var two = chipH >= 40 && textWidth(it.type, '11px sans-serif') + 8 < w;
        if (textWidth(it.id, '11px sans-serif') + 8 < w) {
          var tt = el('text', { x: x0 + 1 + w / 2, y: y + laneH / 2 + (two ? -2 : 4), 'text-anchor': 'middle', 'font-weight': 600 }, g);
          tt.textContent = it.id;
          if (two) { var ty = el('text', { x: x0 + 1 + w / 2, y: y + laneH / 2 + 12, 'text-anchor': 'middle', fill: '#52606d' }, g); ty.textContent = it.type; }
        }
        g.addEventListener('mousemove', function (e) {
          showTip('<b>' + esc(it.id) + '</b> <span class="t">' + esc(it.type) + (it.precision ? ' [' + esc(it.precision) + ']' : '') + '</span><table>' +
            '<tr><td class="t">core</td><td>' + esc(lane.core) + '</td></tr><tr><td class="t">stage</td><td>' + esc(it.stage) + '</td></tr>' +
            '<tr><td class="t">start</td><td>' + esc(num(it.start)) + ' ' + esc(S.unit) + '</td></tr><tr><td class="t">duration</td><td>' + esc(num(it.duration)) + ' ' + esc(S.unit) + '</td></tr></table>', e);
        });
        g.addEventListener('mouseleave', hideTip);
        where[it.id] = { x0: x0 + 1, x1: x0 + 1 + w, y: y + laneH / 2 };
        status.nodes++;
      });
    });
    (S.dependencies || []).forEach(function (d) {
      var a = where[d.source], b = where[d.target];
      if (!a || !b) { status.skipped_edges++; return; }
      var down = b.y >= a.y ? 1 : -1;
      var sx = Math.max(a.x0 + 3, a.x1 - 8), sy = a.y + down * chipH / 2, ex = Math.min(b.x1 - 3, b.x0 + 10), ey = b.y - down * (chipH / 2 + 1);
      var my = (sy + ey) / 2;
      el('path', { d: 'M' + sx + ',' + sy + 'C' + sx + ',' + my + ' ' + ex + ',' + my + ' ' + ex + ',' + ey, 'class': 'edge cross', 'marker-end': 'url(#dep)' }, gDeps);
      status.edges++;
    });
    bounds = { x: 0, y: 0, w: W, h: Math.max(H + 20, 200) };
    view = { x: 0, y: 0, k: 1 };
    apply();
    badge('cores', num(lanes.length));
    badge('nodes', num(status.nodes));
    badge('makespan', num(S.makespan) + ' ' + S.unit);
    badge('stage', S.stage);
    var h = '<h2>Schedule</h2><table class="kv"><tr><td>cores</td><td>' + esc(lanes.length) + '</td></tr><tr><td>nodes</td><td>' + esc(status.nodes) +
      '</td></tr><tr><td>makespan</td><td>' + esc(num(S.makespan)) + ' ' + esc(S.unit) + '</td></tr><tr><td>busy time</td><td>' + esc(num(S.busy)) + ' ' + esc(S.unit) +
      '</td></tr><tr><td>source</td><td>' + esc(S.source) + '</td></tr><tr><td>stage</td><td>' + esc(S.stage) + '</td></tr></table>';
    h += '<h2>Cores</h2><table class="kv">' + lanes.map(function (l) {
      return '<tr><td><span style="color:' + esc(l.color) + ';font-weight:600">' + esc(l.label) + '</span></td><td>' + esc(l.items.length) + ' nodes, busy ' + esc(num(l.busy)) + ' ' + esc(S.unit) + ', idle ' + esc(num(l.idle_percent)) + ' %</td></tr>';
    }).join('') + '</table>';
    if ((S.dependencies || []).length) h += '<h2>Cross-core dependencies</h2><table class="kv">' + S.dependencies.map(function (d) { return '<tr><td>' + esc(d.source) + '</td><td>&rarr; ' + esc(d.target) + '</td></tr>'; }).join('') + '</table>';
    if (S.note) h += '<p class="hint">' + esc(S.note) + '</p>';
    side.innerHTML = h;
  }

  try {
    status.view = DATA.view;
    document.getElementById('title').textContent = DATA.title;
    if (DATA.view === 'schedule') {
      document.getElementById('fit').style.display = 'none';
      scheduleView(DATA);
    } else graphView(DATA.graph, DATA.view === 'partitioned');
  } catch (err) {
    status.errors.push(String(err && err.stack || err));
  }
  status.script_ms = Math.round((performance.now() - started) * 10) / 10;
  status.load_ms = Math.round(performance.now() * 10) / 10;
  report();
})();
</script>
</body>
</html>
"""#
}
