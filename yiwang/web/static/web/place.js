// Picking the place of a request: click the map (yiwang/basemap.js), use the device's position, or type an address.
// Fills the lon/lat inputs and the hidden `placement` (map | gps), and shows the area found there.
(function () {
  "use strict";
  document.querySelectorAll("[data-place]").forEach(function (box) {
    var form = box.closest("form");
    var lon = form.querySelector("input[name$=lon]");
    var lat = form.querySelector("input[name$=lat]");
    var placement = form.querySelector("input[name$=placement]");
    var status = box.querySelector("[data-place-status]");
    var chain = box.querySelector("[data-place-chain]");
    var mapEl = box.querySelector("[data-place-map]");
    var map = null, marker = null;

    function describe(x, y) {
      fetch(box.dataset.locate + "?lon=" + encodeURIComponent(x) + "&lat=" + encodeURIComponent(y), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (!data.found) { chain.textContent = data.message || ""; return; }
          chain.textContent = data.chain.filter(function (a) { return a.level > 1 && a.level < 5; })
            .map(function (a) { return a.name; }).join(" · ");
        })
        .catch(function () { chain.textContent = ""; });
    }
    function put(x, y, how) {
      lon.value = Number(x).toFixed(6);
      lat.value = Number(y).toFixed(6);
      placement.value = how;
      if (map) {
        if (marker) { marker.setLatLng([y, x]); } else { marker = L.marker([y, x], { keyboard: false }).addTo(map); }
      }
      describe(x, y);
      // Setting a value fires no event: tell the page's other scripts (nearby.js) the place moved.
      form.dispatchEvent(new CustomEvent("place:picked", { bubbles: true }));
    }

    if (mapEl && window.YiwangBaseMap) {
      // The shared base map; a click outside the city is refused there with a message, not placed.
      map = YiwangBaseMap.create(mapEl, {
        view: [22.58, 113.08, 10], fit: !lon.value,
        onClick: function (e) { put(e.latlng.lng, e.latlng.lat, "map"); }
      });
      // A map in a closed <details> has no size until it opens.
      var holder = mapEl.closest("details");
      if (holder) {
        holder.addEventListener("toggle", function () {
          if (!holder.open) { return; }
          map.invalidateSize();
          if (!lon.value) { map.basemapReady.then(function (city) { if (city) { map.fitBounds(city.getBounds(), { animate: false }); } }); }
        });
      }
      if (lon.value && lat.value) { put(lon.value, lat.value, placement.value || "map"); map.setView([lat.value, lon.value], 14); }
    }
    // Typed coordinates count as a map pick.
    [lon, lat].forEach(function (input) {
      input.addEventListener("change", function () {
        if (lon.value && lat.value && isFinite(lon.value) && isFinite(lat.value)) {
          placement.value = placement.value || "map";
          if (map) {
            if (marker) { marker.setLatLng([lat.value, lon.value]); } else { marker = L.marker([lat.value, lon.value], { keyboard: false }).addTo(map); }
            map.setView([lat.value, lon.value], Math.max(map.getZoom(), 14), { animate: false });
          }
          describe(lon.value, lat.value);
        }
      });
    });

    var gps = box.querySelector("[data-place-gps]");
    if (!("geolocation" in navigator)) { gps.hidden = true; }
    gps.addEventListener("click", function () {
      status.textContent = gps.dataset.busy || "…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        status.textContent = "±" + Math.round(pos.coords.accuracy) + " m";
        put(pos.coords.longitude, pos.coords.latitude, "gps");
        if (map) { map.setView([pos.coords.latitude, pos.coords.longitude], 16, { animate: false }); }
      }, function (err) {
        status.textContent = (gps.dataset.failed || "") + " (" + err.message + ")";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  });
})();
