// The area map: outlines on a plain background (a tile layer only when configured), click to locate.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el) return;
  var map = L.map(el, { preferCanvas: true }).setView([22.35, 112.7], 9);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || "" }).addTo(map);
  }
  function layer(url, style, onEach) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      return L.geoJSON(data, { style: style, onEachFeature: onEach });
    });
  }
  var gridLayer = null;
  function label(feature, lyr) {
    var p = feature.properties;
    lyr.bindTooltip(p.name + (p.approximate ? " *" : ""), { sticky: true });
  }
  layer(el.dataset.districts, { color: "#c0392b", weight: 2.5, fill: true, fillColor: "#ffffff", fillOpacity: 0.6 }, label)
    .then(function (l) { l.addTo(map); map.fitBounds(l.getBounds()); });
  layer(el.dataset.towns, { color: "#2c5f8a", weight: 1.2, fillOpacity: 0 }, label)
    .then(function (l) { l.addTo(map); });
  layer(el.dataset.grids, { color: "#7d8b99", weight: 0.5, fillOpacity: 0, interactive: false })
    .then(function (l) {
      gridLayer = l;
      function toggle() { if (map.getZoom() >= 11) { gridLayer.addTo(map); } else { map.removeLayer(gridLayer); } }
      map.on("zoomend", toggle); toggle();
    });

  var result = document.getElementById("result");
  var marker = null;
  function show(lon, lat) {
    var url = el.dataset.locate + "?lon=" + encodeURIComponent(lon) + "&lat=" + encodeURIComponent(lat);
    fetch(url).then(function (r) { return r.json(); }).then(function (data) {
      result.textContent = "";
      if (data.code) {
        var p = document.createElement("p"); p.className = "error"; p.textContent = data.message; result.appendChild(p);
        return;
      }
      var ol = document.createElement("ol"); ol.className = "chain";
      data.chain.forEach(function (a) {
        var li = document.createElement("li");
        li.textContent = a.name + " (" + a.code + ")" + (a.approximate ? " *" : "");
        ol.appendChild(li);
      });
      result.appendChild(ol);
      if (data.grid_code) {
        var g = document.createElement("p"); g.className = "grid-code"; g.textContent = data.grid_code; result.appendChild(g);
      }
      if (marker) { map.removeLayer(marker); }
      marker = L.circleMarker([data.lat, data.lon], { radius: 6, color: "#c0392b" }).addTo(map);
    });
  }
  map.on("click", function (e) {
    document.getElementById("lon").value = e.latlng.lng.toFixed(5);
    document.getElementById("lat").value = e.latlng.lat.toFixed(5);
    show(e.latlng.lng, e.latlng.lat);
  });
  document.getElementById("locate-form").addEventListener("submit", function (e) {
    e.preventDefault();
    show(document.getElementById("lon").value, document.getElementById("lat").value);
  });
})();
