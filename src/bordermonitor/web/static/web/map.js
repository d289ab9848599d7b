/* The map of events: border line, crossing points and clustered event markers.
   No tiles unless the site configures them (BM_MAP_TILES_URL); the filter form
   reloads only the markers, keeping the map where the user left it. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var border = JSON.parse(document.getElementById("map-border").textContent);
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var wording = config.text || {};
  var form = document.getElementById("map-filters");
  var status = document.getElementById("map-status");
  var listLink = document.getElementById("map-list-link");

  var map = L.map(el, { zoomSnap: 0.5, minZoom: 5, maxZoom: 16 });
  map.attributionControl.setPrefix("Leaflet");
  if (config.tilesUrl) {
    L.tileLayer(config.tilesUrl, { attribution: config.tilesAttribution || "", maxZoom: 18 }).addTo(map);
  }
  L.control.scale({ imperial: false, maxWidth: 150 }).addTo(map);

  var borderLayer = L.geoJSON(border, {
    filter: function (f) { return f.properties.kind === "border"; },
    style: { color: "#b3261e", weight: 3, opacity: 0.9, className: "bm-border-line" },
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name, { sticky: true }); }
  }).addTo(map);
  L.geoJSON(border, {
    filter: function (f) { return f.properties.kind === "crossing"; },
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {
        radius: 5, color: "#15324f", weight: 2, fillColor: "#fff", fillOpacity: 1,
        className: "bm-crossing"
      });
    },
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name + " (border crossing)"); }
  }).addTo(map);
  L.geoJSON(border, {
    filter: function (f) { return f.properties.kind === "label"; },
    pointToLayer: function (f, latlng) {
      return L.marker(latlng, {
        interactive: false, keyboard: false,
        icon: L.divIcon({ className: "bm-country-label", html: "", iconSize: null })
      });
    },
    onEachFeature: function (f, layer) {
      layer.on("add", function () { layer.getElement().textContent = f.properties.name; });
    }
  }).addTo(map);
  map.fitBounds(borderLayer.getBounds(), { padding: [20, 20] });

  var events = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 45 });
  map.addLayer(events);

  function eventIcon(side) {
    return L.divIcon({ className: "bm-event-marker bm-side-" + String(side).replace(/[^A-Z]/g, ""), iconSize: [14, 14] });
  }

  function popup(p) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = config.eventUrl.replace("CODE", encodeURIComponent(p.code));
    link.textContent = p.code;
    link.className = "code";
    box.appendChild(link);
    var lines = [p.date, p.types.map(function (t) { return config.types[t] || t; }).join(", "),
                 config.sides[p.side] || p.side];
    lines.forEach(function (text) {
      if (!text) { return; }
      var line = document.createElement("div");
      line.textContent = text;
      box.appendChild(line);
    });
    return box;
  }

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value !== "") { params.append(key, value); } });
    return params.toString();
  }

  var loading = 0;
  function load(q) {
    var mine = ++loading;
    el.setAttribute("aria-busy", "true");
    status.textContent = wording.loading || "Loading events…";
    fetch(config.eventsUrl + (q ? "?" + q : ""), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (res) {
        if (mine !== loading) { return; }
        events.clearLayers();
        if (!res.ok) {
          status.textContent = (wording.badFilters || "These filters cannot be used:") + " " + Object.keys(res.data.errors || {}).join(", ");
          el.dataset.markers = "0";
          el.removeAttribute("aria-busy");
          return;
        }
        var markers = res.data.features.map(function (f) {
          var c = f.geometry.coordinates;
          return L.marker([c[1], c[0]], { icon: eventIcon(f.properties.side), title: f.properties.code })
            .bindPopup(popup(f.properties));
        });
        events.addLayers(markers);
        status.textContent = res.data.status;  // worded by the server, in the user's language
        el.dataset.markers = String(markers.length);
        el.removeAttribute("aria-busy");
      })
      .catch(function () {
        if (mine !== loading) { return; }
        status.textContent = wording.failed || "The events could not be loaded; try again.";
        el.removeAttribute("aria-busy");
      });
  }

  function apply(event) {
    if (event) { event.preventDefault(); }
    var q = query();
    history.replaceState(null, "", q ? "?" + q : location.pathname);
    listLink.href = config.listUrl + (q ? "?" + q : "");
    load(q);
  }
  form.addEventListener("submit", apply);
  form.addEventListener("change", function () { apply(); });
  load(query());
})();
