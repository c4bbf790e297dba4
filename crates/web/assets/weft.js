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


  // [data-rank-list]: a ranking reordered by dragging its [data-rank-item]s, by their
  // [data-rank-move] arrows, or by Alt+ArrowUp/Down; each move renumbers the ranks typed in
  // the items' inputs (an item left blank stays unranked until it is moved).
  function renumber(list) {
    var rank = 0;
    list.querySelectorAll("[data-rank-item]").forEach(function (item) {
      var input = item.querySelector("input");
      if (input.value.trim() !== "") input.value = String(++rank);
    });
  }

  function move(item, up) {
    var list = item.closest("[data-rank-list]");
    var input = item.querySelector("input");
    if (input.value.trim() === "") input.value = "0";
    var other = up ? item.previousElementSibling : item.nextElementSibling;
    if (other) {
      if (up) list.insertBefore(item, other);
      else list.insertBefore(other, item);
    }
    renumber(list);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-rank-move]");
    if (!button) return;
    var item = button.closest("[data-rank-item]");
    move(item, button.getAttribute("data-rank-move") === "up");
    button.focus();
  });

  document.addEventListener("keydown", function (event) {
    var item = event.target.closest && event.target.closest("[data-rank-item]");
    if (!item || !event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    event.preventDefault();
    move(item, event.key === "ArrowUp");
    event.target.focus();
  });

  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    dragged = event.target.closest && event.target.closest("[data-rank-item]");
    if (dragged) dragged.classList.add("rank-list__item--dragging");
  });
  document.addEventListener("dragover", function (event) {
    var over = event.target.closest && event.target.closest("[data-rank-item]");
    if (!dragged || !over || over === dragged || over.parentNode !== dragged.parentNode) return;
    event.preventDefault();
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
  });
  document.addEventListener("dragend", function () {
    if (!dragged) return;
    dragged.classList.remove("rank-list__item--dragging");
    var input = dragged.querySelector("input");
    if (input.value.trim() === "") input.value = "0";
    renumber(dragged.closest("[data-rank-list]"));
    dragged = null;
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#toasts .toast").forEach(dismissLater);
  });
})();
