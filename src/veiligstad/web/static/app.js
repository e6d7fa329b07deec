// SPDX-License-Identifier: EUPL-1.2
// Progressive enhancement: draw the Vega-Lite charts; every chart also has a data table.
(function () {
  "use strict";
  function draw() {
    if (typeof window.vegaEmbed !== "function") { return; }
    document.querySelectorAll("div.vega[data-spec]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-spec"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg" }).then(function () {
        el.classList.add("drawn");
      }).catch(function (error) {
        el.textContent = "Grafiek kon niet worden getekend; zie de tabel.";
        if (window.console) { window.console.warn(error); }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
