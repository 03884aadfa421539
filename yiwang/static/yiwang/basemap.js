// The one base map under every Leaflet map of the platform (the area map, the place picker, a case's
// place, the cockpit's hot spots). Without a tile server it still reads: the sea (everything outside
// the city) is the container's background, the land is the city outline, district lines always, town
// lines and then grid lines as one zooms in, area names as labels for the zoom level, a place-name
// search, and a note saying no tile layer is set. A click outside the city says so.
//
// Its settings come from data- attributes written by templates/basemap_attrs.html (URLs, the tile
// layer, the messages in the reader's language). Use: YiwangBaseMap.create(element, options) -> map.
(function () {
  "use strict";
  // Zoom levels at which each layer appears (Leaflet zoom: 9 shows the whole city on a laptop).
  var TOWN_LINES = 11, GRID_LINES = 13;
  var LABEL_BANDS = [ // which names are labels at which zoom
    { level: 2, min: 0, max: 10 },
    { level: 3, min: 10, max: 14 }, // at 13 both: towns first, communities where there is room
    { level: 4, min: 13, max: 99 }
  ];
  var LEVEL_NAMES = { 2: "district", 3: "town", 4: "community" };
  var STYLE = {
    land: { stroke: false, fill: true, fillColor: "#f6f3ea", fillOpacity: 1, interactive: false },
    coast: { color: "#7aa6c2", weight: 1, fill: false, interactive: false },
    district: { color: "#b8322a", weight: 1.8, fill: false, interactive: false },
    town: { color: "#2c5f8a", weight: 0.9, dashArray: "4 3", fill: false, interactive: false },
    grid: { color: "#8a97a5", weight: 0.6, fill: false, interactive: false }
  };

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status + " " + url); }
      return r.json();
    });
  }
  function withParams(url, params) {
    var u = new URL(url, window.location.href);
    Object.keys(params).forEach(function (k) { u.searchParams.set(k, params[k]); });
    return u.pathname + u.search;
  }

  // Ray casting over a GeoJSON (Multi)Polygon's rings: holes count as outside.
  function ringContains(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }
  function geometryContains(geom, x, y) {
    var polygons = geom.type === "Polygon" ? [geom.coordinates] : geom.type === "MultiPolygon" ? geom.coordinates : [];
    return polygons.some(function (rings) {
      return ringContains(rings[0], x, y) && !rings.slice(1).some(function (hole) { return ringContains(hole, x, y); });
    });
  }

  // A message over the map (role=status), e.g. "outside the city"; it stays until the next click.
  function messageBox(map) {
    var box = L.DomUtil.create("div", "basemap-message", map.getContainer());
    box.setAttribute("role", "status");
    box.hidden = true;
    return {
      show: function (text) { box.textContent = text; box.hidden = false; },
      hide: function () { box.hidden = true; }
    };
  }

  // Labels: the names of one band, placed greedily so that none overlaps one already placed.
  function labelLayer(map, cfg) {
    var group = L.layerGroup().addTo(map);
    var data = {}; // level -> [[code, name, lon, lat], ...]
    var pending = {};
    function load(level) {
      if (data[level] || pending[level] || !cfg.labels) { return; }
      pending[level] = true;
      getJSON(withParams(cfg.labels, { level: LEVEL_NAMES[level] })).then(function (d) {
        data[level] = d.labels; draw();
      }).catch(function () { pending[level] = false; });
    }
    function width(text, size) {
      var w = 0;
      for (var i = 0; i < text.length; i++) { w += text.charCodeAt(i) > 0x2e80 ? size : size * 0.58; }
      return w + 8;
    }
    function draw() {
      group.clearLayers();
      var zoom = map.getZoom();
      var view = map.getBounds().pad(0.1);
      var placed = [];
      LABEL_BANDS.forEach(function (band) {
        if (zoom < band.min || zoom >= band.max) { return; }
        if (!data[band.level]) { load(band.level); return; }
        var size = band.level === 2 ? 15 : band.level === 3 ? 13 : 12;
        data[band.level].forEach(function (row) {
          var at = L.latLng(row[3], row[2]);
          if (!view.contains(at) || placed.length > 250) { return; }
          var p = map.latLngToContainerPoint(at);
          var w = width(row[1], size), h = size + 6;
          var box = { x0: p.x - w / 2, x1: p.x + w / 2, y0: p.y - h / 2, y1: p.y + h / 2 };
          var clash = placed.some(function (b) { return box.x0 < b.x1 && b.x0 < box.x1 && box.y0 < b.y1 && b.y0 < box.y1; });
          if (clash) { return; }
          placed.push(box);
          var icon = L.divIcon({ className: "basemap-label basemap-label-" + band.level, html: "", iconSize: [w, h] });
          var marker = L.marker(at, { icon: icon, interactive: false, keyboard: false }).addTo(group);
          var el = marker.getElement();
          if (el) { el.textContent = row[1]; el.dataset.code = row[0]; }
        });
      });
    }
    map.on("zoomend moveend", draw);
    return { draw: draw };
  }

  // Grid lines when zoomed in: the grids meeting the view (padded), fetched again when one pans out of it.
  function gridLines(map, cfg) {
    var layer = null, covered = null, asked = null, count = 0;
    function mark() { // how many grid outlines are drawn now: what the tests read, beside the pixels
      map.getContainer().dataset.gridLines = String(layer && map.hasLayer(layer) ? count : 0);
    }
    function update() {
      if (map.getZoom() < GRID_LINES) {
        if (layer) { map.removeLayer(layer); }
        mark();
        return;
      }
      var view = map.getBounds();
      if (covered && covered.contains(view)) {
        if (layer && !map.hasLayer(layer)) { layer.addTo(map); }
        mark();
        return;
      }
      var want = view.pad(0.15);
      var bbox = [want.getWest(), want.getSouth(), want.getEast(), want.getNorth()].map(function (v) { return v.toFixed(4); }).join(",");
      if (asked === bbox) { return; }
      asked = bbox;
      getJSON(withParams(cfg.grids, { bbox: bbox, lines: 1 })).then(function (d) {
        if (asked !== bbox) { return; }
        if (layer) { map.removeLayer(layer); }
        layer = map.basemapVector(d, "grid");
        count = d.features.length;
        covered = want;
        if (map.getZoom() >= GRID_LINES) { layer.addTo(map); }
        mark();
      });
    }
    map.on("zoomend moveend", update);
    return { update: update };
  }

  function townLines(map, cfg) {
    var layer = null, loading = false;
    function update() {
      var want = map.getZoom() >= TOWN_LINES;
      if (want && !layer && !loading && cfg.towns) {
        loading = true;
        getJSON(withParams(cfg.towns, { lines: 1 })).then(function (d) {
          layer = map.basemapVector(d, "town");
          update();
        });
        return;
      }
      if (!layer) { return; }
      if (want && !map.hasLayer(layer)) { layer.addTo(map); }
      if (!want && map.hasLayer(layer)) { map.removeLayer(layer); }
    }
    map.on("zoomend", update);
    update();
  }

  // The place-name search: a box on the map; choosing a match flies there.
  function searchBox(map, cfg) {
    var Control = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var form = L.DomUtil.create("form", "basemap-search");
        form.setAttribute("role", "search");
        var input = L.DomUtil.create("input", "", form);
        input.type = "search";
        input.name = "q";
        input.maxLength = 50;
        input.autocomplete = "off";
        input.placeholder = cfg.msgSearch;
        input.setAttribute("aria-label", cfg.msgSearch);
        var list = L.DomUtil.create("ul", "basemap-results", form);
        list.hidden = true;
        var latest = "", timer = null, results = [];
        function choose(r) {
          list.hidden = true;
          input.value = r.name;
          var b = r.bounds;
          var maxZoom = r.level === 2 ? 11 : r.level === 3 ? 13 : 15;
          map.flyToBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: maxZoom, duration: 0.6 });
          map.getContainer().dataset.searched = r.code;
        }
        function render(items) {
          results = items;
          list.textContent = "";
          if (!items.length) {
            var none = L.DomUtil.create("li", "basemap-none", list);
            none.textContent = cfg.msgNoMatch;
          }
          items.forEach(function (r) {
            var li = L.DomUtil.create("li", "", list);
            var b = L.DomUtil.create("button", "", li);
            b.type = "button";
            b.textContent = r.name;
            var small = L.DomUtil.create("small", "", b);
            small.textContent = " " + [r.parent_name, r.level_label].filter(Boolean).join(" · ");
            b.addEventListener("click", function () { choose(r); });
          });
          list.hidden = false;
        }
        function ask() {
          var q = input.value.trim();
          if (!q) { list.hidden = true; results = []; return Promise.resolve([]); }
          latest = q;
          return getJSON(withParams(cfg.search, { q: q, limit: 8 })).then(function (d) {
            if (latest === q) { render(d.results || []); }
            return d.results || [];
          });
        }
        input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 250); });
        input.addEventListener("keydown", function (e) { if (e.key === "Escape") { list.hidden = true; } });
        form.addEventListener("submit", function (e) {
          e.preventDefault();
          clearTimeout(timer);
          ask().then(function (items) { if (items.length) { choose(items[0]); } });
        });
        L.DomEvent.disableClickPropagation(form);
        L.DomEvent.disableScrollPropagation(form);
        return form;
      }
    });
    new Control().addTo(map);
  }

  function noTilesNote(map, cfg) {
    var Note = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var p = L.DomUtil.create("p", "basemap-note");
        p.textContent = cfg.msgNoTiles;
        return p;
      }
    });
    new Note().addTo(map);
  }

  function config(el) {
    var d = el.dataset;
    return {
      tiles: d.tiles || "", attribution: d.attribution || "",
      land: d.land, districts: d.districts, towns: d.towns, grids: d.grids, labels: d.labels, search: d.search,
      msgOutside: d.msgOutside || "", msgNoTiles: d.msgNoTiles || "", msgSearch: d.msgSearch || "",
      msgNoMatch: d.msgNoMatch || ""
    };
  }

  // options: view [lat, lon, zoom]; fit (fit the city when it loads, default true); towns, grids, labels,
  // search (default true); onClick(e) for a click inside the city; mapOptions for L.map.
  function create(el, options) {
    options = options || {};
    var cfg = config(el);
    var map = L.map(el, L.extend({ preferCanvas: true }, options.mapOptions || {}));
    var view = options.view || [22.35, 112.7, 9];
    map.setView([view[0], view[1]], view[2]);
    el.classList.add("basemap");
    el.basemap = map; // for the page's own script and the browser tests
    var city = null;
    var note = messageBox(map);
    // Own panes, so that the page's layers, whenever they load, sit above the land and below the lines.
    map.createPane("basemapLand").style.zIndex = 350;
    map.createPane("basemapLines").style.zIndex = 450;
    map.getPane("basemapLines").style.pointerEvents = "none";
    var renderers = { land: L.canvas({ pane: "basemapLand" }), lines: L.canvas({ pane: "basemapLines" }) };
    map.basemapVector = function (data, kind) {
      return L.geoJSON(data, { style: STYLE[kind], interactive: false, renderer: kind === "land" ? renderers.land : renderers.lines });
    };
    if (cfg.tiles) {
      L.tileLayer(cfg.tiles, { attribution: cfg.attribution }).addTo(map);
      el.classList.add("basemap-tiled");
    } else {
      noTilesNote(map, cfg);
    }
    // Drawn in this order on the one canvas: land, then lines above it, then the page's own layers.
    var ready = (cfg.land ? getJSON(cfg.land) : Promise.resolve(null)).then(function (d) {
      if (d && d.features && d.features.length) {
        city = d.features[0].geometry;
        if (!cfg.tiles) { map.basemapVector(d, "land").addTo(map); }
        map.basemapVector(d, "coast").addTo(map);
      }
      return cfg.districts ? getJSON(cfg.districts) : null;
    }).then(function (d) {
      if (!d) { return null; }
      var districts = map.basemapVector(d, "district").addTo(map);
      if (options.fit !== false && districts.getLayers().length) { map.fitBounds(districts.getBounds(), { animate: false }); }
      el.dataset.basemapReady = "1";
      return districts;
    });
    if (options.towns !== false) { townLines(map, cfg); }
    var grids = options.grids !== false && cfg.grids ? gridLines(map, cfg) : null;
    if (options.labels !== false) { labelLayer(map, cfg).draw(); }
    if (options.search !== false && cfg.search) { searchBox(map, cfg); }
    if (grids) { grids.update(); }

    map.on("click", function (e) {
      var inside = !city || geometryContains(city, e.latlng.lng, e.latlng.lat);
      if (!inside) {
        note.show(cfg.msgOutside);
        return;
      }
      note.hide();
      if (options.onClick) { options.onClick(e); }
    });
    map.basemapReady = ready;
    map.basemapContains = function (lon, lat) { return !city || geometryContains(city, lon, lat); };
    map.basemapMessage = note;
    return map;
  }

  window.YiwangBaseMap = { create: create };
})();
