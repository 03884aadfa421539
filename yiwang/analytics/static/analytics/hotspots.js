// The cockpit's hot spot map (Leaflet): grids or H3 cells shaded by the cases received there.
// Data from GET /api/v1/measures/hotspots; the base map from yiwang/basemap.js. No inline JS.
(function () {
  "use strict";
  var el = document.getElementById("hotspot-map");
  var form = document.getElementById("hotspot-form");
  if (!el || !form || !window.YiwangBaseMap) return;
  // The shared base map (yiwang/basemap.js): land, outlines, names and search; fitted to the city
  // unless the cockpit is a district's, whose cells fit the map below.
  var map = YiwangBaseMap.create(el, { fit: !el.dataset.area });
  var layer = null;
  var list = document.getElementById("hotspot-list");
  var summary = document.getElementById("hotspot-summary");
  // Five classes (ColorBrewer YlOrRd without its palest step, which vanished on the basemap), on a
  // square-root scale of the busiest cell's count; the legend shows each class's range of counts.
  var CLASSES = ["#fed976", "#feb24c", "#fd8d3c", "#e31a1c", "#800026"];
  function bounds(max) {
    // the smallest count of each class: class k starts where sqrt(count / max) reaches k / 5
    return CLASSES.map(function (_, k) { return k === 0 ? 1 : Math.ceil(max * Math.pow(k / CLASSES.length, 2)); });
  }
  function classOf(count, lows) {
    // the last class whose smallest count it reaches: the map and the legend agree by construction
    var k = 0;
    while (k + 1 < lows.length && count >= lows[k + 1]) k++;
    return k;
  }
  var legend = L.control({ position: "bottomright" });
  var legendBox = L.DomUtil.create("div", "hotspot-legend");
  legendBox.setAttribute("data-legend", "");
  legend.onAdd = function () { return legendBox; };
  legend.addTo(map);
  function drawLegend(max, shown) {
    legendBox.textContent = "";
    var title = document.createElement("strong");
    title.textContent = el.dataset.legendTitle || "";
    legendBox.appendChild(title);
    if (!shown) { legendBox.appendChild(document.createTextNode(el.dataset.empty || "")); return; }
    var lows = bounds(max);
    CLASSES.forEach(function (fill, k) {
      var lo = lows[k], hi = k + 1 < CLASSES.length ? lows[k + 1] - 1 : max;
      if (hi < lo) return;  // a class no whole count falls in (small maxima)
      var row = document.createElement("div");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = fill;
      row.appendChild(swatch);
      row.appendChild(document.createTextNode(lo === hi ? String(lo) : lo + "–" + hi));
      legendBox.appendChild(row);
    });
  }
  function failed() { summary.textContent = el.dataset.failed || ""; }
  function load() {
    var params = new URLSearchParams();
    params.set("period", el.dataset.period);
    if (el.dataset.area) params.set("area", el.dataset.area);
    params.set("by", form.elements.by.value);
    params.set("resolution", form.elements.resolution.value);
    if (form.elements.category.value) params.set("category", form.elements.category.value);
    params.set("limit", "300");
    fetch(el.dataset.api + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        if (layer) { map.removeLayer(layer); }
        var cells = data.cells || [];
        var max = cells.length ? cells[0].count : 1;
        var lows = bounds(max);
        var features = cells.filter(function (c) { return c.geometry; }).map(function (c) {
          return { type: "Feature", geometry: c.geometry, properties: c };
        });
        function label(c) { return c.name + " · " + c.count + " " + (el.dataset.casesLabel || ""); }
        var shapes = L.geoJSON({ type: "FeatureCollection", features: features }, {
          style: function (f) {
            return { color: "#5a1010", weight: 1, opacity: 0.9, fillColor: CLASSES[classOf(f.properties.count, lows)], fillOpacity: 0.8 };
          },
          // each cell is named by its place (a grid's community, a hexagon's town and community)
          onEachFeature: function (f, lyr) { lyr.bindTooltip(label(f.properties), { sticky: true }); }
        });
        // A hexagon of 0.1-5 km² is a speck at the city's zoom: a dot of its class's colour at its
        // centre keeps every hot spot visible (larger for the busier classes).
        var dots = cells.filter(function (c) { return c.center; }).map(function (c) {
          var k = classOf(c.count, lows);
          return L.circleMarker([c.center[1], c.center[0]], {
            radius: 4 + k, color: "#5a1010", weight: 1, fillColor: CLASSES[k], fillOpacity: 0.9
          }).bindTooltip(label(c));
        });
        layer = L.featureGroup([shapes].concat(dots)).addTo(map);
        drawLegend(max, features.length);
        if (el.dataset.area && features.length) { map.fitBounds(layer.getBounds()); }
        list.textContent = "";
        cells.slice(0, 10).forEach(function (c) {
          var li = document.createElement("li");
          li.textContent = c.name + " — " + c.count + " " + (el.dataset.casesLabel || "");
          list.appendChild(li);
        });
        summary.textContent = (el.dataset.locatedLabel || "") + " " + data.located + " / " + data.total;
      })
      .catch(failed);
  }
  form.addEventListener("change", load);
  load();
})();
