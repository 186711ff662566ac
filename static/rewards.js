/* Rewards pages (catalog, vouchers, referrals, reviews): confirmation dialogs. (Copy buttons are in portal.js.)
 *
 * - An HTMX request whose target is a dialog's body (".js-dialog-body") opens that <dialog> after the swap;
 *   [data-dialog-close] closes it; a form marked [data-closes-dialog] closes its dialog when its
 *   request succeeds (it updates the page behind the dialog).
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      var dialog = closer.closest("dialog");
      if (dialog && dialog.open) {
        event.preventDefault();
        dialog.close();
      }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("js-dialog-body")) {
      var dialog = target.closest("dialog");
      if (dialog && dialog.dataset.labelledBy && document.getElementById(dialog.dataset.labelledBy)) {
        dialog.setAttribute("aria-labelledby", dialog.dataset.labelledBy);
      }
      if (dialog && !dialog.open) { dialog.showModal(); }
      var focusable = target.querySelector("[autofocus], button, a[href], input, textarea");
      if (focusable) { focusable.focus(); }
    }
  });

  // A form marked data-closes-dialog updates the page behind its dialog: close the dialog once it worked.
  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail.elt;
    var form = source && source.closest && source.closest("[data-closes-dialog]");
    var dialog = form && form.closest("dialog");
    if (dialog && dialog.open && event.detail.successful) { dialog.close(); }
  });
})();
