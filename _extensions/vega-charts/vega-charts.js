/* Draw every `.sr-vega` chart on the page from the JSON spec it carries, and give each chart a
   collapsible, sortable data table: what a tooltip shows is also reachable by keyboard and touch. */
(function () {
  "use strict";
  var OPTIONS = { actions: false, renderer: "svg" };
  var MAX_ROWS = 2000;

  function tooltipFields(spec) {
    // fields named in tooltip encodings, in order, anywhere in the spec
    var fields = [];
    (function walk(node) {
      if (!node || typeof node !== "object") { return; }
      if (Array.isArray(node)) { node.forEach(walk); return; }
      Object.keys(node).forEach(function (key) {
        var value = node[key];
        if (key === "tooltip") {
          [].concat(value).forEach(function (t) {
            if (t && t.field && fields.indexOf(t.field) < 0) { fields.push(t.field); }
          });
        } else {
          walk(value);
        }
      });
    })(spec);
    return fields;
  }

  function rowsOf(spec) {
    var datasets = spec.datasets || {};
    var names = Object.keys(datasets);
    if (names.length === 0 && spec.data && spec.data.values) { return spec.data.values; }
    var largest = [];
    names.forEach(function (name) {
      if (datasets[name].length > largest.length) { largest = datasets[name]; }
    });
    return largest;
  }

  function text(value) {
    if (value === null || value === undefined) { return ""; }
    if (typeof value === "number") {
      return Math.abs(value) >= 1e5 ? value.toExponential(2) : String(Math.round(value * 1e4) / 1e4);
    }
    return String(value);
  }

  function buildTable(spec, holder) {
    var rows = rowsOf(spec);
    var fields = tooltipFields(spec);
    if (fields.length === 0 && rows.length) { fields = Object.keys(rows[0]); }
    fields = fields.filter(function (f) { return rows.length && rows[0].hasOwnProperty(f); });
    var table = document.createElement("table");
    table.className = "table table-sm sr-vega-data";
    var head = table.createTHead().insertRow();
    var body = table.createTBody();
    var shown = rows.slice(0, MAX_ROWS);
    var order = { field: null, ascending: true };

    function fill() {
      body.innerHTML = "";
      shown.forEach(function (row) {
        var tr = body.insertRow();
        fields.forEach(function (f) { tr.insertCell().textContent = text(row[f]); });
      });
    }

    fields.forEach(function (field) {
      var th = document.createElement("th");
      th.scope = "col";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sr-vega-sort";
      button.textContent = field;
      button.setAttribute("aria-label", "Sort by " + field);
      button.addEventListener("click", function () {
        order.ascending = order.field === field ? !order.ascending : true;
        order.field = field;
        shown.sort(function (a, b) {
          var x = a[field], y = b[field];
          var c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
          return order.ascending ? c : -c;
        });
        Array.prototype.forEach.call(head.cells, function (cell) { cell.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", order.ascending ? "ascending" : "descending");
        fill();
      });
      th.appendChild(button);
      head.appendChild(th);
    });
    fill();
    var search = document.createElement("input");
    search.type = "search";
    search.className = "form-control form-control-sm sr-vega-search";
    search.placeholder = "Filter rows";
    search.setAttribute("aria-label", "Filter the rows of this table");
    search.addEventListener("input", function () {
      var needle = search.value.toLowerCase();
      Array.prototype.forEach.call(body.rows, function (tr) {
        tr.hidden = needle !== "" && tr.textContent.toLowerCase().indexOf(needle) < 0;
      });
    });
    holder.appendChild(search);
    var scroller = document.createElement("div");
    scroller.className = "sr-vega-data-scroll";
    scroller.appendChild(table);
    holder.appendChild(scroller);
    if (rows.length > MAX_ROWS) {
      var note = document.createElement("p");
      note.textContent = "First " + MAX_ROWS + " of " + rows.length + " rows.";
      holder.appendChild(note);
    }
  }

  function addDataTable(container, spec) {
    var rows = rowsOf(spec).length;
    if (rows === 0) { return; }
    var details = document.createElement("details");
    details.className = "sr-vega-details";
    var summary = document.createElement("summary");
    summary.textContent = "Data behind this chart (" + rows + " rows)";
    details.appendChild(summary);
    var holder = document.createElement("div");
    details.appendChild(holder);
    // built on first opening: some charts carry thousands of rows
    details.addEventListener("toggle", function () {
      if (details.open && !holder.firstChild) { buildTable(spec, holder); }
    });
    container.appendChild(details);
  }

  var NARROW = 700;  // px of column below which charts are laid out for a phone

  // On a phone every panel header sits above its panel, from the panel's left edge, and may use
  // the column's width (less the y-axis beside the panel).
  function topHeaderWidth(available) { return Math.max(120, available - 60); }
  function topHeader(available) {
    return { labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top",
             labelLimit: topHeaderWidth(available) };
  }

  // A header's label as an expression of the row itself (`datum.value` is the facet value).
  function headerLabel(channel) {
    var field = "datum[" + JSON.stringify(channel.field) + "]";
    var expr = channel.header && channel.header.labelExpr;
    return expr ? "(" + expr.replace(/datum\.(value|label)\b/g, field) + ")" : "(" + field + " + '')";
  }

  // Where the facet values come in the grid: their listed order, or their own (numeric) order.
  function facetRank(channel) {
    var field = "datum[" + JSON.stringify(channel.field) + "]";
    return Array.isArray(channel.sort) ? "indexof(" + JSON.stringify(channel.sort) + ", " + field + ")" : "toNumber(" + field + ")";
  }

  // A grid of row x column panels becomes one column of panels, in the grid's reading order,
  // each titled by both of its headers. Only grids whose order can be kept are changed.
  function wrapGrid(node, available) {
    var row = node.facet.row, column = node.facet.column;
    var orderable = function (c) { return c.field && (Array.isArray(c.sort) || (c.sort === undefined && (c.type === "ordinal" || c.type === "quantitative"))); };
    if (!orderable(row) || !orderable(column)) { return; }
    node.transform = (node.transform || []).concat([
      { calculate: headerLabel(row) + " + ' · ' + " + headerLabel(column), as: "__panel" },
      { calculate: facetRank(row) + " * 1000 + " + facetRank(column), as: "__panel_order" },
    ]);
    // both headers, one line each
    var header = Object.assign(topHeader(available), { labelExpr: "split(datum.value, ' · ')" });
    if (row.header && row.header.labelFontWeight) { header.labelFontWeight = row.header.labelFontWeight; }
    node.facet = { field: "__panel", type: "nominal", title: null, header: header,
                   sort: { field: "__panel_order", op: "min" } };
    node.columns = 1;
  }

  // Row headers beside the panels take width a phone does not have: they go above each panel.
  function headerOnTop(channel, available) {
    channel.header = Object.assign({}, channel.header || {}, topHeader(available));
  }

  // One column of panels, legends below, and views no wider than the column: what a chart
  // needs on a narrow screen. Only view-level widths change (a bar's own width does not).

  function narrow(spec, available) {
    var viewWidth = Math.max(160, available - 110);
    (function walk(node, isView) {
      if (!node || typeof node !== "object") { return; }
      if (Array.isArray(node)) { node.forEach(function (n) { walk(n, true); }); return; }
      if (node.hconcat) { node.vconcat = node.hconcat; delete node.hconcat; }
      if (node.columns && node.columns > 1) { node.columns = 1; }
      if (node.facet && node.facet.column && !node.facet.row) { node.facet.row = node.facet.column; delete node.facet.column; }
      if (node.facet && node.facet.column && node.facet.row) { wrapGrid(node, available); }
      if (node.encoding && node.encoding.column && !node.encoding.row) {
        node.encoding.row = node.encoding.column; delete node.encoding.column;
      }
      if (node.facet && node.facet.row && !node.facet.column) { headerOnTop(node.facet.row, available); }
      // one panel a row: small multiples may as well use the column's width
      if (node.facet && node.spec && typeof node.spec.width === "number" && node.spec.width < viewWidth) { node.spec.width = viewWidth; }
      if (node.encoding && node.encoding.row) { headerOnTop(node.encoding.row, available); }
      if (isView && typeof node.width === "number" && node.width > viewWidth) {
        if (typeof node.height === "number") { node.height = Math.round(node.height * Math.max(0.6, viewWidth / node.width)); }
        node.width = viewWidth;
      }
      ["spec", "layer", "concat", "vconcat", "hconcat"].forEach(function (key) {
        if (node[key]) { walk(node[key], true); }
      });
    })(spec, true);
    // Wherever a chart sets its own: legends in one column, below, labels no wider than the
    // column; axis and header labels (task names) cut with an ellipsis (the data table has them
    // whole). The config is set below.
    var labels = Math.round(available * 0.3);
    (function limits(node) {
      if (!node || typeof node !== "object") { return; }
      Object.keys(node).forEach(function (key) {
        var value = node[key];
        var block = value && typeof value === "object" && !Array.isArray(value);
        if (key === "legend" && block) {
          if (value.columns && value.columns > 1) { value.columns = 1; }
          if (value.orient !== "none") { value.orient = "bottom"; }
          value.direction = "vertical";
          value.labelLimit = Math.min(value.labelLimit || 320, viewWidth);
        } else if ((key === "axis" || key === "header") && block) {
          // labels beside a view share the width with it; labels above or below have all of it
          // (on a phone every header is above its panel: wrapped facets and rows, see headerOnTop)
          var across = key === "header" && value.labelOrient !== "left" && value.labelOrient !== "right";
          var limit = across ? topHeaderWidth(available) : labels;
          if (value.labelLimit === undefined || value.labelLimit > limit) { value.labelLimit = limit; }
        } else if (key !== "config") {
          limits(value);
        }
      });
    })(spec);
    spec.config = spec.config || {};
    spec.config.legend = Object.assign({}, spec.config.legend || {},
      { orient: "bottom", direction: "vertical", labelLimit: viewWidth });
    spec.config.axis = Object.assign({}, spec.config.axis || {}, { labelLimit: labels, titleLimit: viewWidth });
    spec.config.header = Object.assign({}, spec.config.header || {},
      { labelLimit: viewWidth, titleLimit: viewWidth, labelAnchor: "start", labelAlign: "left" });
    spec.config.title = Object.assign({}, spec.config.title || {}, { limit: available - 24 });
    return spec;
  }

  // Every view `factor` times as wide (explicit widths, band steps, and the theme's default
  // view size): text keeps its size, so a chart that shrinks this way stays legible.
  function shrink(spec, factor) {
    var narrowest = Infinity;
    (function walk(node, isView) {
      if (!node || typeof node !== "object") { return; }
      if (Array.isArray(node)) { node.forEach(function (n) { walk(n, true); }); return; }
      if (isView && typeof node.width === "number") {
        node.width = Math.max(60, Math.floor(node.width * factor));
        narrowest = Math.min(narrowest, node.width);
      }
      if (isView && node.width && typeof node.width.step === "number") { node.width.step = Math.max(4, node.width.step * factor); }
      ["spec", "layer", "concat", "vconcat", "hconcat"].forEach(function (key) {
        if (node[key]) { walk(node[key], true); }
      });
    })(spec, true);
    // legend and header labels shrink with the views: both start at their view's left edge
    (function legends(node) {
      if (!node || typeof node !== "object") { return; }
      Object.keys(node).forEach(function (key) {
        var value = node[key];
        if ((key === "legend" || key === "header") && value && typeof value === "object" && !Array.isArray(value)) {
          if (typeof value.labelLimit === "number" && value.labelLimit > 0) { value.labelLimit = Math.max(80, Math.floor(value.labelLimit * factor)); }
        } else {
          legends(value);
        }
      });
    })(spec);
    spec.config = spec.config || {};
    // a panel title longer than its panel would keep the panel wide: cut it at the panel's width
    var header = Object.assign({}, spec.config.header || {});
    var limit = isFinite(narrowest) ? narrowest + 20 : 160;
    header.labelLimit = Math.min(header.labelLimit || Infinity, limit);
    spec.config.header = header;
    // so is an x-axis title longer than its view
    var axisX = Object.assign({}, spec.config.axisX || {});
    axisX.titleLimit = Math.min(axisX.titleLimit || Infinity, limit);
    spec.config.axisX = axisX;
    var view = Object.assign({}, spec.config.view || {});
    view.continuousWidth = Math.max(60, Math.floor((view.continuousWidth || 360) * factor));
    if (typeof view.step === "number") { view.step = Math.max(4, view.step * factor); }
    spec.config.view = view;
    return spec;
  }

  // Several legends at one side sit one under another on a phone (Vega puts bottom legends side
  // by side): the compiled Vega spec's legend layout says so.
  function stackLegends(vgSpec) {
    vgSpec.config = vgSpec.config || {};
    vgSpec.config.legend = Object.assign({}, vgSpec.config.legend || {},
      { layout: { bottom: { direction: "vertical", anchor: "start" } } });
    return vgSpec;
  }

  // Embed, then narrow the views until the chart fits its column (at most five tries).
  function embedFitting(target, source, available, phone) {
    var factor = 1;
    function attempt(tries) {
      var spec = JSON.parse(source);
      if (phone) { spec = narrow(spec, available); }
      if (factor < 1) { spec = shrink(spec, factor); }
      var options = phone ? Object.assign({}, OPTIONS, { patch: stackLegends }) : OPTIONS;
      return window.vegaEmbed(target, spec, options).then(function (result) {
        var svg = target.querySelector("svg");
        var natural = svg ? svg.viewBox.baseVal.width : 0;
        if (available && natural > available + 1 && tries < 5) {
          factor = factor * Math.max(0.3, (available - 8) / natural);
          result.finalize();
          target.innerHTML = "";
          return attempt(tries + 1);
        }
        return result;
      });
    }
    return attempt(0);
  }

  function draw(container) {
    if (container.getAttribute("data-state")) { return Promise.resolve(); }
    container.setAttribute("data-state", "drawing");
    var data = container.querySelector("script.sr-vega-spec");
    var spec = JSON.parse(data.textContent);
    var alt = container.getAttribute("data-alt");
    if (alt) { spec.description = alt; }
    var available = container.clientWidth;
    var target = document.createElement("div");
    target.className = "sr-vega-view";
    container.appendChild(target);
    addDataTable(container, spec);  // reads the datasets only; the embeds work on their own copies
    return embedFitting(target, JSON.stringify(spec), available, available > 0 && available < NARROW).then(function () {
      container.setAttribute("data-state", "rendered");
    }).catch(function (error) {
      container.setAttribute("data-state", "failed");
      console.error("vega-charts: " + container.id + ": " + error);
    });
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("div.sr-vega"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
