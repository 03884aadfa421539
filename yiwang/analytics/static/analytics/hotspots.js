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
  function colour(t) {
    // pale yellow to deep red
    var r = 255, g = Math.round(237 - 200 * t), b = Math.round(160 - 140 * t);
    return "rgb(" + r + "," + g + "," + b + ")";
  }
  function load() {
    var params = new URLSearchParams();
    params.set("period", el.dataset.period);
    if (el.dataset.area) params.set("area", el.dataset.area);
    params.set("by", form.elements.by.value);
    params.set("resolution", form.elements.resolution.value);
    if (form.elements.category.value) params.set("category", form.elements.category.value);
    params.set("limit", "300");
    fetch(el.dataset.api + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (layer) { map.removeLayer(layer); }
        var cells = data.cells || [];
        var max = cells.length ? cells[0].count : 1;
        var features = cells.filter(function (c) { return c.geometry; }).map(function (c) {
          return { type: "Feature", geometry: c.geometry, properties: c };
        });
        layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
          style: function (f) {
            var t = Math.sqrt(f.properties.count / max);
            return { color: "#7a1f1f", weight: 0.5, fillColor: colour(t), fillOpacity: 0.75 };
          },
          onEachFeature: function (f, lyr) { lyr.bindTooltip(f.properties.name + ": " + f.properties.count, { sticky: true }); }
        }).addTo(map);
        if (el.dataset.area && features.length) { map.fitBounds(layer.getBounds()); }
        list.textContent = "";
        cells.slice(0, 10).forEach(function (c) {
          var li = document.createElement("li");
          li.textContent = c.name + " — " + c.count;
          list.appendChild(li);
        });
        summary.textContent = data.located + " / " + data.total;
      });
  }
  form.addEventListener("change", load);
  load();
})();
