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
    // Which past case was quoted: the server looks for its requester in the text before sending.
    var quoted = button.getAttribute("data-fill-case") && target.form && target.form.querySelector("[data-quoted]");
    if (quoted) quoted.value = (quoted.value + " " + button.getAttribute("data-fill-case")).trim();
    var details = target.closest("details");
    if (details) details.open = true;
    target.focus();
    target.dispatchEvent(new Event("change", { bubbles: true }));
  });
  // A request the page makes itself (htmx) that fails shows the page's own message in the reader's
  // language (set on <body> by base.html), never the browser's text or a raw script error.
  var pageError = document.getElementById("page-error");
  function showFailure(key) {
    if (!pageError) return;
    pageError.textContent = document.body.getAttribute(key) || "";
    pageError.hidden = false;
  }
  document.body.addEventListener("htmx:sendError", function () { showFailure("data-request-failed"); });
  document.body.addEventListener("htmx:responseError", function () { showFailure("data-server-failed"); });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (pageError && e.detail && e.detail.successful) pageError.hidden = true;
  });
  window.yiwangRequestFailed = function () { showFailure("data-request-failed"); };
  // File pickers: the browser writes "Choose Files / No file chosen" in its own language whatever the
  // page's; the native input stays (focusable, for the keyboard and the form) but is drawn as a
  // button and a line in the page's language (words from <body>, set by base.html).
  document.querySelectorAll("input[type=file]").forEach(function (input) {
    if (!input.id) return;
    var body = document.body;
    var button = document.createElement("label");
    button.className = "btn file-choose";
    button.htmlFor = input.id;
    button.textContent = body.getAttribute("data-file-choose") || "";
    var chosen = document.createElement("span");
    chosen.className = "file-chosen muted";
    chosen.setAttribute("aria-live", "polite");
    function show() {
      var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
      chosen.textContent = names.length ? names.join(", ") : (body.getAttribute("data-file-none") || "");
    }
    input.classList.add("file-native");
    input.insertAdjacentElement("afterend", chosen);
    input.insertAdjacentElement("afterend", button);
    input.addEventListener("change", show);
    show();
  });
  // Photo thumbnails: a click shows the photo large in a dialog (without JS the link opens the photo).
  var viewer;
  document.addEventListener("click", function (e) {
    var link = e.target.closest("a[data-photo]");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey || typeof HTMLDialogElement !== "function") return;
    e.preventDefault();
    if (!viewer) {
      viewer = document.createElement("dialog");
      viewer.className = "photo-viewer";
      var close = document.createElement("button");
      close.type = "button";
      close.className = "btn btn-small";
      close.textContent = "×";
      close.setAttribute("aria-label", link.getAttribute("data-photo") || "×");
      close.addEventListener("click", function () { viewer.close(); });
      viewer.appendChild(close);
      viewer.appendChild(document.createElement("img"));
      viewer.addEventListener("click", function (ev) { if (ev.target === viewer) viewer.close(); });
      document.body.appendChild(viewer);
    }
    var img = viewer.querySelector("img");
    var thumb = link.querySelector("img");
    img.src = link.href;
    img.alt = thumb ? thumb.alt : "";
    viewer.showModal();
  });
  // "Select all" above a list of checkboxes (the dispatcher's queue for a bulk move).
  document.addEventListener("change", function (e) {
    var all = e.target.closest("input[data-check-all]");
    if (!all) return;
    all.form.querySelectorAll("input[type=checkbox][name='" + all.getAttribute("data-check-all") + "']").forEach(function (box) {
      box.checked = all.checked;
    });
  });
  // Long pickers (units): a search box above the list hides the options that do not match.
  document.querySelectorAll("select[data-filter]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.placeholder = select.getAttribute("data-filter");
    box.setAttribute("aria-label", select.getAttribute("data-filter"));
    box.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var term = box.value.trim().toLowerCase();
      select.querySelectorAll("option").forEach(function (option) {
        option.hidden = !!term && option.value !== "" && option.textContent.toLowerCase().indexOf(term) === -1;
      });
      select.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
    });
  });
})();
