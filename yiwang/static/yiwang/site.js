// Shared page behaviour, kept out of the markup (no inline handlers: a strict CSP is coming).
(function () {
  "use strict";
  // The language selector switches as soon as a language is chosen (a button is shown without JS).
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // "Use this text" buttons: copy a stored text into a form field (knowledge base, past replies).
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-fill-target]");
    if (!button) return;
    e.preventDefault();
    var target = document.querySelector(button.getAttribute("data-fill-target"));
    var source = button.getAttribute("data-fill-source");
    var text = source ? (document.querySelector(source) || {}).textContent : button.getAttribute("data-fill-value");
    if (!target || text == null) return;
    target.value = text.trim();
    var details = target.closest("details");
    if (details) details.open = true;
    target.focus();
    target.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
