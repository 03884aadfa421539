// Open reports near the place being picked on the submit page (web/portal/nearby.html). Loaded when
// the lon/lat inputs change: place.js announces a pick with a "place:picked" event on the form, and
// typed coordinates fire "change". A visitor may say a report is their problem too (no new case).
(function () {
  "use strict";
  document.querySelectorAll("[data-nearby]").forEach(function (box) {
    var form = box.closest("form");
    var lon = form.querySelector("input[name$=lon]");
    var lat = form.querySelector("input[name$=lat]");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    var shown = "", asked = 0, timer = null;

    function clear() { box.innerHTML = ""; box.hidden = true; shown = ""; }
    function load() {
      if (!lon.value || !lat.value || !isFinite(lon.value) || !isFinite(lat.value)) { clear(); return; }
      var key = Number(lon.value).toFixed(5) + "," + Number(lat.value).toFixed(5);
      if (key === shown) { return; }
      var mine = ++asked;  // only the answer for the latest place is shown
      fetch(box.dataset.nearby + "?lon=" + encodeURIComponent(lon.value) + "&lat=" + encodeURIComponent(lat.value),
            { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          if (mine !== asked) { return; }
          shown = key;
          box.innerHTML = html;
          box.hidden = !html.trim();
        })
        .catch(function () { if (mine === asked) { clear(); } });
    }
    function soon() { clearTimeout(timer); timer = setTimeout(load, 200); }

    form.addEventListener("place:picked", soon);
    [lon, lat].forEach(function (input) { input.addEventListener("change", soon); });
    box.addEventListener("click", function (e) {
      var button = e.target.closest("[data-nearby-same]");
      if (!button) { return; }
      button.disabled = true;
      fetch(button.dataset.nearbySame, {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRFToken": csrf ? csrf.value : "" },
      })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) { button.closest(".actions").outerHTML = html; })
        .catch(function () { button.disabled = false; });
    });
    load();  // a form sent back with its point (an error elsewhere) shows the list at once
  });
})();
