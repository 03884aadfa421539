// A case's place on a small map (the shared base map, yiwang/basemap.js): its point and the outline of its grid.
(function () {
  "use strict";
  document.querySelectorAll("[data-casemap]").forEach(function (el) {
    if (!window.YiwangBaseMap) return;
    var lon = parseFloat(el.dataset.lon), lat = parseFloat(el.dataset.lat);
    var hasPoint = isFinite(lon) && isFinite(lat);
    var map = YiwangBaseMap.create(el, {
      view: hasPoint ? [lat, lon, 15] : [22.58, 113.08, 10], fit: false, search: false,
      mapOptions: { scrollWheelZoom: false }
    });
    if (hasPoint) {
      L.circleMarker([lat, lon], { radius: 7, color: "#b8322a", weight: 3, fillOpacity: 0.8 }).addTo(map);
    }
    if (el.dataset.grid) {
      fetch(el.dataset.grid, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        var layer = L.geoJSON(data, { style: { color: "#175cd3", weight: 2, fillOpacity: 0.08 } }).addTo(map);
        if (hasPoint) { map.fitBounds(layer.getBounds().extend([lat, lon]), { padding: [20, 20], maxZoom: 16 }); }
        else { map.fitBounds(layer.getBounds(), { padding: [20, 20] }); }
      });
    }
  });
})();
