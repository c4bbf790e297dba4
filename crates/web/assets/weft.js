// Weft's own script: small comforts on top of pages that work without it.
// Menus close on Escape and on a click elsewhere; toasts leave after a while;
// [data-open-modal="id"] opens a <dialog>, [data-close-modal] closes it;
// [data-copy="text"] copies to the clipboard.
(function () {
  "use strict";

  function openMenus() {
    return document.querySelectorAll("details.menu[open]");
  }

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
    var opener = event.target.closest("[data-open-modal]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-modal"));
      if (dialog && dialog.showModal) {
        event.preventDefault();
        dialog.showModal();
      }
    }
    var closer = event.target.closest("[data-close-modal]");
    if (closer) {
      var open = closer.closest("dialog");
      if (open) open.close();
    }
    var copy = event.target.closest("[data-copy]");
    if (copy && navigator.clipboard) {
      navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
        toast("Copied", "success");
      });
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });

  function dismissLater(element) {
    setTimeout(function () {
      element.classList.add("toast--leaving");
      setTimeout(function () { element.remove(); }, 300);
    }, 6000);
  }

  function toast(text, kind) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var element = document.createElement("div");
    element.className = "toast toast--" + (kind || "info");
    element.textContent = text;
    box.appendChild(element);
    dismissLater(element);
  }

  // The page's live stream (the bell, the dashboard) is open: say so on <body>, for styles
  // and for tests that must not act before the page listens.
  document.addEventListener("htmx:sseOpen", function () {
    document.body.setAttribute("data-live", "open");
  });
  document.addEventListener("htmx:sseError", function () {
    document.body.setAttribute("data-live", "closed");
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#toasts .toast").forEach(dismissLater);
  });
})();
