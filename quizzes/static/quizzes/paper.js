// Exam paper: save every answer to the server as it changes, show what is saved, keep the
// server's clock, learn of extra time or a void within seconds, and keep an answer card
// (答题卡) of answered, unanswered, flagged and current questions. An answer or a flag counts
// only when the server has said so.
(function () {
  "use strict";
  var form = document.getElementById("paper");
  if (!form) return;
  var saveUrl = form.dataset.saveUrl;
  var flagUrl = form.dataset.flagUrl;
  var statusUrl = form.dataset.statusUrl;
  var resultUrl = form.dataset.resultUrl;
  var storageKey = "paper-pending-" + form.dataset.attempt;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var submitForm = document.getElementById("submit-form");
  var pending = {};      // position -> response waiting to be sent
  var timers = {};       // position -> debounce timer
  var inFlight = {};     // position -> true while a request is out
  var confirmed = {};    // position -> the response the server holds (JSON), to skip no-op changes
  var retryDelay = 1000;
  var finished = false;  // no more changes: submitted, or time is up
  var ended = false;     // the server closed the paper: nothing more is sent

  function fieldsetFor(position) { return document.getElementById("q" + position); }
  function boxes() { return form.querySelectorAll("fieldset.question"); }
  function cellFor(position) { return document.querySelector("[data-card-cell='" + position + "']"); }

  function setState(position, text, cls) {
    var box = fieldsetFor(position);
    if (!box) return;
    var el = box.querySelector("[data-state]");
    el.textContent = text;
    el.className = "save-state " + (cls || "");
  }

  function readResponse(box) {
    var type = box.dataset.type;
    var inputs = box.querySelectorAll("input, textarea");
    if (type === "single") {
      var checked = box.querySelector("input:checked");
      return checked ? parseInt(checked.value, 10) : null;
    }
    if (type === "multiple") {
      var values = [];
      inputs.forEach(function (input) { if (input.checked) values.push(parseInt(input.value, 10)); });
      return values;
    }
    if (type === "truefalse") {
      var tf = box.querySelector("input:checked");
      return tf ? tf.value === "true" : null;
    }
    if (type === "fill") {
      var blanks = [];
      inputs.forEach(function (input) { blanks.push(input.value); });
      return blanks.every(function (v) { return v.trim() === ""; }) ? null : blanks;
    }
    return box.querySelector("textarea").value;
  }

  function isAnswered(box) {
    var value = readResponse(box);
    if (typeof value === "string") return value.trim() !== "";
    return value !== null && !(Array.isArray(value) && value.length === 0);
  }

  function isFlagged(box) { return box.querySelector("[data-flag]").getAttribute("aria-pressed") === "true"; }

  function remember() {
    try { localStorage.setItem(storageKey, JSON.stringify(pending)); } catch (e) { /* private mode */ }
  }

  // The answer card ----------------------------------------------------------------------------

  function drawCell(box) {
    var cell = cellFor(box.dataset.position);
    if (!cell) return;
    var answered = isAnswered(box), flagged = isFlagged(box);
    cell.classList.toggle("answered", answered);
    cell.classList.toggle("flagged", flagged);
    var material = cell.dataset.material ? "（材料" + cell.dataset.material + "）" : "";
    cell.setAttribute("aria-label", "第 " + box.dataset.position + " 题" + material + "，" +
      (answered ? "已作答" : "未作答") + (flagged ? "，已标记" : ""));
  }

  function numbers(test) {
    var found = [];
    boxes().forEach(function (box) { if (test(box)) found.push(box.dataset.position); });
    return found;
  }

  function answeredCount() {
    var total = boxes().length;
    var answered = total - numbers(function (box) { return !isAnswered(box); }).length;
    document.getElementById("answered-count").textContent = answered;
    var summary = document.getElementById("card-summary");
    summary.querySelector("[data-count=unanswered]").textContent = total - answered;
    summary.querySelector("[data-count=flagged]").textContent = numbers(isFlagged).length;
    return answered;
  }

  var card = document.getElementById("answer-card");
  var toggle = document.getElementById("card-toggle");
  function sheetOpen() { return card.classList.contains("open"); }
  function openSheet() {
    card.classList.add("open");
    toggle.setAttribute("aria-expanded", "true");
    var current = card.querySelector("[aria-current]") || card.querySelector(".card-cell");
    if (current) current.focus();
  }
  function closeSheet(returnFocus) {
    if (!sheetOpen()) return;
    card.classList.remove("open");
    toggle.setAttribute("aria-expanded", "false");
    if (returnFocus) toggle.focus();
  }
  toggle.addEventListener("click", function () { if (sheetOpen()) closeSheet(true); else openSheet(); });
  document.getElementById("card-close").addEventListener("click", function () { closeSheet(true); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && sheetOpen()) closeSheet(true);
  });

  function markCurrent(position) {
    card.querySelectorAll("[aria-current]").forEach(function (el) {
      el.removeAttribute("aria-current");
      el.classList.remove("current");
    });
    var cell = cellFor(position);
    if (cell) { cell.setAttribute("aria-current", "true"); cell.classList.add("current"); }
  }

  card.addEventListener("click", function (event) {
    var cell = event.target.closest("[data-card-cell]");
    if (!cell) return;
    event.preventDefault();
    var box = fieldsetFor(cell.dataset.cardCell);
    closeSheet(false);
    box.scrollIntoView({ block: "start" });
    box.focus({ preventScroll: true });
    markCurrent(box.dataset.position);
    if (history.replaceState) history.replaceState(null, "", "#q" + box.dataset.position);
  });
  form.addEventListener("focusin", function (event) {
    var box = event.target.closest("fieldset.question");
    if (box) markCurrent(box.dataset.position);
  });
  // While scrolling, the current question is the first one whose top is in the upper part of
  // the screen.
  if ("IntersectionObserver" in window) {
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) markCurrent(entry.target.dataset.position);
      });
    }, { rootMargin: "-20% 0px -70% 0px" });
    boxes().forEach(function (box) { seen.observe(box); });
  }

  // Flags (标记) ---------------------------------------------------------------------------------

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-flag]");
    if (!button || finished) return;
    var box = button.closest("fieldset.question");
    var position = box.dataset.position;
    var flagged = button.getAttribute("aria-pressed") !== "true";
    button.disabled = true;
    fetch(flagUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ position: Number(position), flagged: flagged })
    }).then(function (reply) {
      return reply.json().then(function (data) { return { status: reply.status, data: data }; });
    }).then(function (result) {
      button.disabled = false;
      if (!result.data.saved) { setState(position, "标记未保存：" + result.data.error, "error"); return; }
      button.setAttribute("aria-pressed", flagged ? "true" : "false");
      box.classList.toggle("flagged", flagged);
      drawCell(box);
      answeredCount();
    }).catch(function () {
      button.disabled = false;
      setState(position, "网络中断，标记未保存，请稍后再试。", "error");
    });
  });

  // Saving answers -------------------------------------------------------------------------------

  function send(position) {
    if (ended || inFlight[position] || !(position in pending)) return;
    var response = pending[position];
    inFlight[position] = true;
    setState(position, "保存中…", "saving");
    fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ position: position, response: response })
    }).then(function (reply) {
      return reply.json().then(function (data) { return { status: reply.status, data: data }; });
    }).then(function (result) {
      inFlight[position] = false;
      if (result.data.saved) {
        if (JSON.stringify(pending[position]) === JSON.stringify(response)) {
          delete pending[position];
          confirmed[position] = JSON.stringify(response);
          remember();
          setState(position, "已保存 " + result.data.saved_at_display, "saved");
        } else {
          send(position); // changed again while saving
        }
        retryDelay = 1000;
        clock.sync(result.data.remaining_seconds);
        if (result.data.status) applyStatus(result.data.status);
        return;
      }
      setState(position, "未保存：" + result.data.error, "error");
      // Signed out (idle too long): the answer stays here and is sent again after logging in.
      if (result.status === 401) return;
      if (result.data.submitted) {
        var status = result.data.status;
        end(status && status.message ? status.message : result.data.error, status && status.voided);
      } else { delete pending[position]; remember(); }
    }).catch(function () {
      inFlight[position] = false;
      setState(position, "网络中断，答案尚未保存，正在重试…", "error");
      setTimeout(function () { send(position); }, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    });
  }

  function changed(event) {
    var box = event.target.closest("fieldset.question");
    if (!box || finished) return;
    var position = box.dataset.position;
    var response = readResponse(box);
    // Leaving a text field fires "change" for what "input" already saved: not a new answer, and
    // marking it unsaved again would shift the page under a finger reaching for 交卷.
    if (!(position in pending) && JSON.stringify(response) === confirmed[position]) return;
    pending[position] = response;
    remember();
    drawCell(box);
    answeredCount();
    setState(position, "有改动，等待保存…", "dirty");
    clearTimeout(timers[position]);
    var delay = box.dataset.type === "short" || box.dataset.type === "fill" ? 800 : 150;
    timers[position] = setTimeout(function () { send(position); }, delay);
  }

  // The end of the paper: submitted (by time-up, a cancellation or elsewhere) or voided. The
  // page says why and where the result is; the answers can no longer be changed.
  function end(message, voided) {
    finished = ended = true;
    stopPolling();
    form.querySelectorAll("input, textarea, button").forEach(function (el) { el.disabled = true; });
    submitForm.hidden = true;
    closeSheet(false);
    var box = document.getElementById("paper-end");
    document.getElementById("paper-end-text").textContent = message;
    var link = document.getElementById("paper-end-link");
    link.hidden = !!voided;
    box.hidden = false;
    link.focus();
  }

  function savesSettled() {
    return Object.keys(pending).length === 0 && Object.keys(inFlight).every(function (p) { return !inFlight[p]; });
  }

  // Time is up on the server's clock: send what is not saved yet, then submit (the server
  // checks the time itself), and say so here.
  function timeUp() {
    if (finished) return;
    finished = true;
    stopPolling();
    var waitedFrom = performance.now();
    Object.keys(pending).forEach(send);
    (function submitWhenSaved() {
      if (!savesSettled() && performance.now() - waitedFrom < 8000) { setTimeout(submitWhenSaved, 250); return; }
      document.getElementById("timeup-field").value = "1";
      fetch(submitForm.action, { method: "POST", credentials: "same-origin", body: new FormData(submitForm) })
        .then(function (reply) {
          if (!reply.ok) throw new Error("submit " + reply.status);
          try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
          end("时间到，已自动交卷");
        })
        .catch(function () { submitForm.submit(); });
    })();
  }

  // The countdown runs on the page's monotonic clock from the server's remaining seconds, so a
  // wrong clock on this computer changes nothing; every save and status poll re-synchronises it.
  var clock = (function () {
    var el = document.getElementById("countdown");
    var remaining = parseInt(el.dataset.remaining, 10);
    var base = performance.now();
    function left() { return Math.max(0, remaining - Math.floor((performance.now() - base) / 1000)); }
    function show() {
      var s = left();
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      el.textContent = (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
      el.parentNode.classList.toggle("urgent", s <= 300);
      if (s === 0 && !finished) timeUp();
    }
    setInterval(show, 1000);
    show();
    return {
      left: left,
      sync: function (seconds) { remaining = seconds; base = performance.now(); show(); }
    };
  })();

  // Live status: extra time, a void or a cancellation ------------------------------------------

  var statusBox = document.getElementById("paper-status");
  var knownExtra = parseInt(document.getElementById("countdown").dataset.extra, 10) || 0;

  function say(text) { statusBox.textContent = text; statusBox.hidden = !text; }

  function applyStatus(status) {
    if (finished) return;
    if (!status.open) { end(status.message, status.voided); return; }
    var before = clock.left();
    clock.sync(status.remaining_seconds);
    if (status.extra_minutes > knownExtra) {
      say("班组长已为您延长 " + (status.extra_minutes - knownExtra) + " 分钟");
      knownExtra = status.extra_minutes;
    } else if (status.remaining_seconds - before > 60) {
      say("考试截止时间已延长，剩余时间已更新。");
    }
  }

  var pollTimer = null;
  function poll() {
    if (finished) return;
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .then(function (status) { if (status) applyStatus(status); })
      .catch(function () { /* the next poll tries again */ });
  }
  function stopPolling() { clearInterval(pollTimer); pollTimer = null; }
  pollTimer = setInterval(poll, (parseInt(form.dataset.statusEvery, 10) || 15) * 1000);
  // Back to a tab that slept: ask at once rather than at the next tick.
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });

  // Start ----------------------------------------------------------------------------------------

  // Answers are saved one by one; pressing Enter in a blank must not post the whole form.
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  boxes().forEach(function (box) {
    confirmed[box.dataset.position] = JSON.stringify(readResponse(box));
    drawCell(box);
  });
  answeredCount();
  form.addEventListener("change", changed);
  form.addEventListener("input", changed);

  // Answers typed while the network or the server was down are sent again after a reload.
  try {
    var saved = JSON.parse(localStorage.getItem(storageKey) || "{}");
    Object.keys(saved).forEach(function (position) {
      if (fieldsetFor(position)) { pending[position] = saved[position]; send(position); }
    });
  } catch (e) { /* nothing stored */ }

  // Reading a long paper is not idleness: the server ends a session after a while without a
  // request, so the open paper says it is still here every four minutes.
  var keepaliveUrl = form.dataset.keepaliveUrl;
  if (keepaliveUrl) {
    setInterval(function () {
      if (finished) return;
      fetch(keepaliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrf }
      }).catch(function () { /* the next ping or save tries again */ });
    }, 4 * 60 * 1000);
  }

  window.addEventListener("beforeunload", function (event) {
    if (!finished && Object.keys(pending).length) { event.preventDefault(); event.returnValue = ""; }
  });

  // Leaving the paper by a link or a form of the page (the navigation, 退出) asks first: the
  // paper stays open and the time keeps running.
  var leaving = "考试尚未交卷。离开本页不会交卷，考试计时也不会暂停（已保存的答案会保留）。确定离开吗？";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    if (!link || finished || card.contains(link) || event.defaultPrevented) return;
    if (document.getElementById("paper-end").contains(link)) return;
    var target = new URL(link.href, window.location.href);
    if (target.pathname === window.location.pathname && target.search === window.location.search) return;
    if (!window.confirm(leaving)) event.preventDefault();
  });
  document.addEventListener("submit", function (event) {
    var other = event.target;
    if (finished || other === form || other === submitForm) return;
    if (!window.confirm(leaving)) event.preventDefault();
  }, true);

  function listed(label, found) {
    if (!found.length) return "";
    var shown = found.slice(0, 30).join("、") + (found.length > 30 ? " 等" : "");
    return label + "（" + found.length + " 题）：第 " + shown + " 题\n";
  }

  submitForm.addEventListener("submit", function (event) {
    if (finished) return;
    answeredCount();
    var unsaved = Object.keys(pending).length;
    var text = listed("未作答", numbers(function (box) { return !isAnswered(box); })) +
      listed("已标记", numbers(isFlagged));
    if (unsaved) text += "有 " + unsaved + " 道题的答案尚未保存。\n";
    if (!window.confirm(text + "确定交卷吗？交卷后不能再修改。")) { event.preventDefault(); return; }
    finished = true;
    stopPolling();
    try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
  });
})();
