// The bell (站内通知): fetch the unread count once the page is shown, so that no page pays a
// database query for it. CSP-clean: no inline script, same-origin JSON.
(function () {
  "use strict";
  var bell = document.querySelector(".bell[data-unread-url]");
  if (!bell || !window.fetch) return;
  fetch(bell.getAttribute("data-unread-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data || !data.unread) return;
      var badge = bell.querySelector(".bell-count");
      badge.textContent = data.unread > 99 ? "99+" : String(data.unread);
      badge.hidden = false;
      bell.setAttribute("aria-label", "站内通知，" + data.unread + " 条未读");
    })
    .catch(function () {});
})();
