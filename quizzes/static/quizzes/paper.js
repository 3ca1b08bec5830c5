// Exam paper: save every answer to the server as it changes, show what is saved, keep the
// server's clock. An answer counts as saved only when the server has said so.
(function () {
  "use strict";
  var form = document.getElementById("paper");
  if (!form) return;
  var saveUrl = form.dataset.saveUrl;
  var resultUrl = form.dataset.resultUrl;
  var storageKey = "paper-pending-" + form.dataset.attempt;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var pending = {};      // position -> response waiting to be sent
  var timers = {};       // position -> debounce timer
  var inFlight = {};     // position -> true while a request is out
  var confirmed = {};    // position -> the response the server holds (JSON), to skip no-op changes
  var retryDelay = 1000;
  var finished = false;

  function fieldsetFor(position) { return document.getElementById("q" + position); }

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

  function remember() {
    try { localStorage.setItem(storageKey, JSON.stringify(pending)); } catch (e) { /* private mode */ }
  }

  function answeredCount() {
    var count = 0;
    form.querySelectorAll("fieldset.question").forEach(function (box) {
      var value = readResponse(box);
      if (value !== null && value !== "" && !(Array.isArray(value) && value.length === 0)) count++;
    });
    document.getElementById("answered-count").textContent = count;
    return count;
  }

  function send(position) {
    if (finished || inFlight[position] || !(position in pending)) return;
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
        return;
      }
      setState(position, "未保存：" + result.data.error, "error");
      // Signed out (idle too long): the answer stays here and is sent again after logging in.
      if (result.status === 401) return;
      if (result.data.submitted) { finish(result.data.error); }
      else { delete pending[position]; remember(); }
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
    answeredCount();
    setState(position, "有改动，等待保存…", "dirty");
    clearTimeout(timers[position]);
    var delay = box.dataset.type === "short" || box.dataset.type === "fill" ? 800 : 150;
    timers[position] = setTimeout(function () { send(position); }, delay);
  }

  function finish(message) {
    finished = true;
    form.querySelectorAll("input, textarea").forEach(function (el) { el.disabled = true; });
    alert(message || "考试时间已到，试卷已提交。");
    window.location.href = resultUrl;
  }

  // The countdown runs on the page's monotonic clock from the server's remaining seconds, so a
  // wrong clock on this computer changes nothing; every save re-synchronises it.
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
      if (s === 0 && !finished) {
        Object.keys(pending).forEach(send);
        setTimeout(function () { document.getElementById("submit-form").submit(); }, 1500);
        finished = true;
      }
    }
    setInterval(show, 1000);
    show();
    return { sync: function (seconds) { remaining = seconds; base = performance.now(); } };
  })();

  // Answers are saved one by one; pressing Enter in a blank must not post the whole form.
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.querySelectorAll("fieldset.question").forEach(function (box) {
    confirmed[box.dataset.position] = JSON.stringify(readResponse(box));
  });
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

  document.getElementById("submit-form").addEventListener("submit", function (event) {
    var total = form.querySelectorAll("fieldset.question").length;
    var unanswered = total - answeredCount();
    var unsaved = Object.keys(pending).length;
    var text = unanswered ? "还有 " + unanswered + " 道题未作答，" : "";
    if (unsaved) text += "有 " + unsaved + " 道题的答案尚未保存，";
    if (!finished && !window.confirm(text + "确定交卷吗？交卷后不能再修改。")) { event.preventDefault(); return; }
    finished = true;
    try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
  });
})();
