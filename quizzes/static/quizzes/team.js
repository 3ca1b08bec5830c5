// Live exam progress: every few seconds fetch the JSON and update counts, states, time left,
// scores and which actions each row offers. Typing in a form is never interrupted.
(function () {
  "use strict";
  var root = document.getElementById("monitor");
  if (!root || !window.fetch) return;
  var url = root.getAttribute("data-progress-url");
  var seconds = parseInt(root.getAttribute("data-refresh"), 10) || 15;
  var stamp = root.querySelector("[data-stamp]");

  function setText(row, field, text) {
    var cell = row.querySelector('[data-field="' + field + '"]');
    if (cell) cell.textContent = text || "";
  }

  function render(data) {
    Object.keys(data.counts).forEach(function (key) {
      var el = root.querySelector('[data-count="' + key + '"]');
      if (el) el.textContent = data.counts[key];
    });
    data.people.forEach(function (person) {
      var row = root.querySelector('tr[data-person="' + person.id + '"]');
      if (!row) return;
      row.setAttribute("data-state", person.state);
      setText(row, "state", person.state_label);
      setText(row, "time", person.time_left_label);
      setText(row, "score", person.score_label);
      if (row.contains(document.activeElement)) return;
      row.querySelectorAll('input[name="attempt"]').forEach(function (input) {
        input.value = person.attempt_id || "";
      });
      var extra = row.querySelector('[data-action="extra"]');
      if (extra) extra.hidden = person.state !== "sitting";
      var voidForm = row.querySelector('[data-action="void"]');
      if (voidForm) voidForm.hidden = !person.attempt_id || person.state === "voided";
    });
    if (stamp) stamp.textContent = data.generated_at.slice(11, 19);
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(render)
      .catch(function () {
        if (stamp) stamp.textContent = "刷新失败，稍后重试";
      });
  }

  window.setInterval(refresh, seconds * 1000);
})();
