// Our forms check their fields with our own Chinese messages instead of the browser's bubbles
// (which speak the browser's language): every form on our pages gets novalidate; on submit, a
// field the browser finds invalid gets a message under it, the first one is focused and the form
// is not sent. The server checks everything again and shows its own Chinese errors.
(function () {
  "use strict";

  function message(field) {
    var v = field.validity;
    var choosing = field.type === "radio" || field.type === "checkbox" || field.tagName === "SELECT";
    if (v.valueMissing) { return choosing ? "请选择一项。" : "请填写此项。"; }
    if (v.badInput) { return field.type === "number" ? "请输入数字。" : "格式不正确，请重新填写。"; }
    if (v.typeMismatch) {
      if (field.type === "email") { return "请输入有效的电子邮件地址。"; }
      if (field.type === "url") { return "请输入有效的网址。"; }
      return "格式不正确，请重新填写。";
    }
    if (v.tooLong) { return "最多 " + field.maxLength + " 个字符。"; }
    if (v.tooShort) { return "至少 " + field.minLength + " 个字符。"; }
    if (v.rangeUnderflow) { return "不能小于 " + field.min + "。"; }
    if (v.rangeOverflow) { return "不能大于 " + field.max + "。"; }
    if (v.stepMismatch) { return "请输入符合要求的数值" + (field.step === "1" ? "（整数）" : "") + "。"; }
    if (v.patternMismatch) { return field.getAttribute("data-pattern-message") || "格式不正确，请重新填写。"; }
    return "请检查此项。";
  }

  // Where the message goes: after the field's label, or after the last option of a group.
  function anchor(form, field) {
    if (field.type === "radio" || field.type === "checkbox") {
      var group = form.querySelectorAll('input[name="' + CSS.escape(field.name) + '"]');
      field = group[group.length - 1];
    }
    return field.closest("label") || field;
  }

  function clear(form) {
    form.querySelectorAll(".js-field-error").forEach(function (node) { node.remove(); });
    form.querySelectorAll('[aria-invalid="true"][data-js-invalid]').forEach(function (field) {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("data-js-invalid");
    });
  }

  function check(event) {
    var form = event.target;
    var first = null;
    var named = {};
    clear(form);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.willValidate || field.checkValidity()) { return; }
      if (field.name && named[field.name]) { return; }
      named[field.name] = true;
      var note = document.createElement("p");
      note.className = "field-error js-field-error";
      note.id = "js-error-" + Math.random().toString(36).slice(2);
      note.setAttribute("role", "alert");
      note.textContent = message(field);
      anchor(form, field).insertAdjacentElement("afterend", note);
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("data-js-invalid", "");
      field.setAttribute("aria-describedby", note.id);
      if (!first) { first = field; }
    });
    if (first) {
      event.preventDefault();
      event.stopImmediatePropagation();
      first.focus();
    }
  }

  document.querySelectorAll("main form, header form").forEach(function (form) {
    form.noValidate = true;
    form.addEventListener("submit", check, true);
  });
}());
