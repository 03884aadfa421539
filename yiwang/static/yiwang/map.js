// The area map page: the shared base map (basemap.js), click or type a point to see its grid and chain.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.YiwangBaseMap) return;
  var result = document.getElementById("result");
  var marker = null;
  var map = YiwangBaseMap.create(el, { onClick: function (e) {
    document.getElementById("lon").value = e.latlng.lng.toFixed(5);
    document.getElementById("lat").value = e.latlng.lat.toFixed(5);
    show(e.latlng.lng, e.latlng.lat);
  } });
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
  document.getElementById("locate-form").addEventListener("submit", function (e) {
    e.preventDefault();
    show(document.getElementById("lon").value, document.getElementById("lat").value);
  });
})();
