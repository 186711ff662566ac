/* Patron portal behaviour. Loaded as a file: the CSP forbids inline scripts.
   Everything here is an enhancement; every action also works without JavaScript. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // Copy buttons (the copy_button macro): <button data-clipboard="TEXT" data-copied="Copied!" hidden>.
  // The button ships hidden and is revealed here, so visitors without JavaScript never see a button that
  // cannot work. Feedback goes to its [data-copy-label] and to the [data-copy-status] live region beside it.
  function revealCopyButtons(root) {
    root.querySelectorAll("[data-clipboard][hidden]").forEach(function (button) { button.hidden = false; });
  }

  function announceCopy(button, text) {
    var status = button.parentElement && button.parentElement.querySelector("[data-copy-status]");
    var label = button.querySelector("[data-copy-label]") || button;
    var original = button.dataset.copyOriginal || label.textContent;
    button.dataset.copyOriginal = original;
    label.textContent = text;
    button.classList.add("is-copied");
    if (status) { status.textContent = text; }
    window.setTimeout(function () {
      label.textContent = original;
      button.classList.remove("is-copied");
      if (status) { status.textContent = ""; }
    }, 2000);
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-clipboard]");
    if (!button) return;
    var text = button.dataset.clipboard;
    var done = function () { announceCopy(button, button.dataset.copied || "Copied"); };
    var failed = function () {
      if (fallbackCopy(text)) { done(); } else { announceCopy(button, button.dataset.copyFailed || "Copy failed"); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  });
  document.addEventListener("htmx:load", function (event) { revealCopyButtons(event.target); });

  // Confirmation before a form submits: <form data-confirm="Question?"> (plain and htmx submits).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("htmx:confirm", function (event) {
    var element = event.detail.elt;
    var form = element.closest("form");
    var question = (form && form.getAttribute("data-confirm")) || element.getAttribute("data-confirm");
    if (!question) return;
    event.preventDefault();
    if (window.confirm(question)) event.detail.issueRequest(true);
  });

  // <select data-autosubmit> submits its form when changed (the language switcher).
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  // While htmx works on a form, its submit button is busy and cannot be pressed twice.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest("form");
    if (!form) return;
    form.querySelectorAll("button[type=submit]").forEach(function (b) {
      b.setAttribute("aria-busy", "true");
      b.disabled = true;
    });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt.closest("form");
    if (!form) return;
    form.querySelectorAll("button[type=submit]").forEach(function (b) {
      b.removeAttribute("aria-busy");
      b.disabled = false;
    });
  });

  // A refused htmx request (expired session, server error) gets a visible message, not silence.
  document.addEventListener("htmx:responseError", function (event) {
    var flash = document.getElementById("flash");
    if (!flash) return;
    var status = event.detail.xhr.status;
    var body = document.body;
    var text = status === 403
      ? body.getAttribute("data-msg-expired") || "Your session has expired. Please reload the page."
      : body.getAttribute("data-msg-error") || "Something went wrong. Please try again.";
    flash.innerHTML = "";
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.textContent = text;
    flash.appendChild(p);
  });

  onReady(function () {
    revealCopyButtons(document);
    // Sign-up: send the browser's time zone so check-in days match the member's own midnight.
    document.querySelectorAll("input[data-timezone]").forEach(function (input) {
      if (!input.value) {
        try { input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* keep default */ }
      }
    });
  });
})();
