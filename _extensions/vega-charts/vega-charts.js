/* Draw every `.sr-vega` chart on the page from the JSON spec it carries. */
(function () {
  "use strict";
  var OPTIONS = { actions: false, renderer: "svg" };

  function draw(container) {
    if (container.getAttribute("data-state")) { return Promise.resolve(); }
    container.setAttribute("data-state", "drawing");
    var data = container.querySelector("script.sr-vega-spec");
    var spec = JSON.parse(data.textContent);
    var alt = container.getAttribute("data-alt");
    if (alt) { spec.description = alt; }
    var target = document.createElement("div");
    target.className = "sr-vega-view";
    container.appendChild(target);
    return window.vegaEmbed(target, spec, OPTIONS).then(function () {
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
