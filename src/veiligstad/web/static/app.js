// SPDX-License-Identifier: EUPL-1.2
// Progressive enhancement: draw the Vega-Lite charts (every chart also has a data table) and
// make wide tables keyboard-scrollable.
(function () {
  "use strict";
  // Below this container width a legend goes under the chart, so the plot keeps its width.
  var NARROW = 560;

  function sized(spec, width) {
    // A page draws a chart as wide as its column, so its text keeps its size in CSS px
    // (a fixed-width SVG scaled down to a phone made 12 px text 4 px).
    spec.width = "container";
    spec.autosize = { type: "fit", contains: "padding" };
    if (width < NARROW) {
      spec.config = spec.config || {};
      spec.config.legend = Object.assign({}, spec.config.legend, {
        orient: "bottom", direction: "vertical", gradientDirection: "horizontal", gradientLength: Math.min(240, width - 40)
      });
    }
    return spec;
  }

  function draw() {
    if (typeof window.vegaEmbed !== "function") { return; }
    document.querySelectorAll("div.vega[data-spec]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-spec"));
      if (!source) { return; }
      var spec = sized(JSON.parse(source.textContent), el.clientWidth);
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg" }).then(function () {
        el.classList.add("drawn");
      }).catch(function (error) {
        el.textContent = document.documentElement.lang === "en"
          ? "The chart could not be drawn; see the table."
          : "Grafiek kon niet worden getekend; zie de tabel.";
        if (window.console) { window.console.warn(error); }
      });
    });
  }

  // A table wider than its column scrolls inside its wrapper: make that wrapper a labelled,
  // focusable region (the keyboard can scroll it; WCAG 2.1.1), named after the table caption.
  function text(el) {
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  }

  // The region's name: its caption, led by the heading of its section when the same caption
  // occurs more than once on the page (landmark names must be unique).
  function regionName(wrap, used) {
    var name = text(wrap.querySelector("caption")) || document.title;
    if (used[name]) {
      var section = wrap.closest("section, details, article");
      var heading = section ? section.querySelector("h2, h3, h4, summary") : null;
      if (heading && text(heading)) { name = text(heading) + ": " + name; }
    }
    var base = name;
    for (var n = 2; used[name]; n += 1) { name = base + " (" + n + ")"; }
    used[name] = true;
    return name;
  }

  function regions() {
    var used = {};
    // Names of the other landmarks: a region must not share one (e.g. with its own section).
    document.querySelectorAll("[role=region][aria-label], section[aria-label]").forEach(function (el) {
      if (el.getAttribute("data-region") !== "added") { used[el.getAttribute("aria-label")] = true; }
    });
    document.querySelectorAll("section[aria-labelledby]").forEach(function (el) {
      used[text(document.getElementById(el.getAttribute("aria-labelledby")))] = true;
    });
    document.querySelectorAll("div.table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && (!wrap.hasAttribute("tabindex") || wrap.getAttribute("data-region") === "added")) {
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", regionName(wrap, used));
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("data-region", "added");
      } else if (!scrolls && wrap.getAttribute("data-region") === "added") {
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("data-region");
      }
    });
  }

  function start() {
    draw();
    regions();
    document.addEventListener("toggle", regions, true);  // a table in a <details> just opened
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(regions, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
