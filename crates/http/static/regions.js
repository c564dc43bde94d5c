// Region picker: when the province (or city) changes, fill the next select with its divisions
// from /api/v1/regions?parent=. Without this script the form still works: its "update the region
// choices" button redraws the form on the server. No inline script: the CSP forbids it.
(function () {
  "use strict";
  var province = document.querySelector('select[data-region-level="province"]');
  var city = document.querySelector('select[data-region-level="city"]');
  var district = document.querySelector('select[data-region-level="district"]');
  if (!province || !city || !district || !window.fetch) {
    return;
  }

  function clear(select) {
    while (select.options.length > 1) {
      select.remove(1);
    }
    select.value = "";
  }

  function fill(select, parent) {
    clear(select);
    if (!parent) {
      return;
    }
    fetch("/api/v1/regions?parent=" + encodeURIComponent(parent), {
      headers: { Accept: "application/json" },
    })
      .then(function (res) {
        return res.ok ? res.json() : [];
      })
      .then(function (regions) {
        regions.forEach(function (r) {
          select.add(new Option(r.name, r.code));
        });
      })
      .catch(function () {
        // The server-side button still works; show it again.
        document.querySelectorAll(".region-refresh").forEach(function (b) {
          b.hidden = false;
        });
      });
  }

  document.querySelectorAll(".region-refresh").forEach(function (b) {
    b.hidden = true;
  });
  province.addEventListener("change", function () {
    clear(district);
    fill(city, province.value);
  });
  city.addEventListener("change", function () {
    fill(district, city.value);
  });
})();
