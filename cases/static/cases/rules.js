// The rules index: open the rule set a link (or the address) points at, and open or close all.
(function () {
  "use strict";
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    var details = target && target.closest("details");
    if (details) { details.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  document.querySelectorAll("[data-rules-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("data-rules-toggle") === "open";
      document.querySelectorAll("details.rule-set").forEach(function (details) { details.open = open; });
    });
  });
}());
