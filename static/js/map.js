// The five-beauties map (/map/ and a place's page). The places are in the page already, as the
// list under the map (it works without this script and without map tiles); this script puts a
// marker for each of them on a Leaflet map and lets the category chips filter without a reload.
// Coordinates come from the server in the datum of the configured tiles (GCJ-02 or WGS-84).
(function () {
  "use strict";

  var container = document.getElementById("map");
  if (!container || !window.L) {
    return;
  }
  var data = container.dataset;

  function popupFor(item) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var name = item.querySelector(".place-name");
    var link = name.querySelector("a");
    var title = document.createElement("h3");
    if (link) {
      var titleLink = document.createElement("a");
      titleLink.href = link.getAttribute("href");
      titleLink.textContent = link.textContent;
      title.appendChild(titleLink);
    } else {
      title.textContent = name.textContent;
    }
    box.appendChild(title);
    var label = document.createElement("p");
    label.className = "map-popup-category";
    label.textContent = item.dataset.categoryLabel + " · " + item.querySelector(".place-village").textContent;
    box.appendChild(label);
    var summary = item.querySelector(".place-summary");
    if (summary) {
      var text = document.createElement("p");
      text.textContent = summary.textContent;
      box.appendChild(text);
    }
    var products = item.querySelectorAll(".place-products a");
    if (products.length) {
      var heading = document.createElement("p");
      heading.className = "map-popup-heading";
      heading.textContent = data.productsLabel;
      box.appendChild(heading);
      var list = document.createElement("ul");
      products.forEach(function (product) {
        var entry = document.createElement("li");
        var anchor = document.createElement("a");
        anchor.href = product.getAttribute("href");
        anchor.textContent = product.textContent;
        entry.appendChild(anchor);
        list.appendChild(entry);
      });
      box.appendChild(list);
    }
    if (link) {
      var more = document.createElement("a");
      more.className = "map-popup-more";
      more.href = link.getAttribute("href");
      more.textContent = data.detailsLabel;
      box.appendChild(more);
    }
    return box;
  }

  var map = L.map(container, { scrollWheelZoom: false, tap: true });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, {
      subdomains: data.subdomains || "abc",
      attribution: data.attribution,
      maxZoom: 18,
    }).addTo(map);
  }

  var layers = {};
  var bounds = [];
  document.querySelectorAll("[data-marker]").forEach(function (item) {
    var latitude = parseFloat(item.dataset.lat);
    var longitude = parseFloat(item.dataset.lng);
    if (isNaN(latitude) || isNaN(longitude)) {
      return;
    }
    var category = item.dataset.category;
    var icon = L.divIcon({
      className: "marker marker-" + category,
      iconSize: [32, 32],
      iconAnchor: [16, 16],
      popupAnchor: [0, -14],
    });
    var marker = L.marker([latitude, longitude], {
      icon: icon,
      title: item.querySelector(".place-name").textContent.trim(),
      keyboard: true,
    });
    marker.bindPopup(popupFor(item), { maxWidth: 260 });
    layers[category] = layers[category] || L.layerGroup().addTo(map);
    layers[category].addLayer(marker);
    bounds.push([latitude, longitude]);
  });

  if (bounds.length > 1) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  } else if (bounds.length === 1) {
    map.setView(bounds[0], 14);
  } else {
    map.setView([parseFloat(data.centerLat), parseFloat(data.centerLng)], 11);
  }
  container.classList.add("is-ready");

  // Chips filter markers and the list in place when the page holds every category; on a page
  // already filtered by the server they stay plain links.
  var chips = document.querySelector("[data-chips]");
  if (!chips || data.filtered === "true") {
    return;
  }
  chips.addEventListener("click", function (event) {
    var chip = event.target.closest("a.chip");
    if (!chip) {
      return;
    }
    event.preventDefault();
    var wanted = chip.dataset.category;
    chips.querySelectorAll("a.chip").forEach(function (other) {
      var isCurrent = other === chip;
      other.classList.toggle("current", isCurrent);
      if (isCurrent) {
        other.setAttribute("aria-current", "true");
      } else {
        other.removeAttribute("aria-current");
      }
    });
    Object.keys(layers).forEach(function (category) {
      var shown = !wanted || wanted === category;
      if (shown && !map.hasLayer(layers[category])) {
        layers[category].addTo(map);
      } else if (!shown && map.hasLayer(layers[category])) {
        map.removeLayer(layers[category]);
      }
    });
    document.querySelectorAll(".place-group").forEach(function (group) {
      group.hidden = Boolean(wanted) && group.dataset.category !== wanted;
    });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", chip.getAttribute("href"));
    }
  });
})();
