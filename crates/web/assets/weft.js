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

  // [data-key="<key>"]: the control a key press chooses (the wiki-survey's ← and →), unless
  // the person is typing in a field or holds a modifier.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var control = document.querySelector('[data-key="' + event.key + '"]');
    if (!control) return;
    event.preventDefault();
    // One answer per page: a held key does not send the same pair twice.
    var form = control.closest("form");
    if (form && form.hasAttribute("data-sent")) return;
    if (form) form.setAttribute("data-sent", "");
    control.click();
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

  // [data-movable] task boards: a card moves by dragging, or by Alt+ArrowLeft/Right (the
  // column) and Alt+ArrowUp/Down (its place); the API is told at once
  // (PATCH /api/v1/cards/{id} {column, position}) and a refusal puts the card back. The
  // board follows the activity stream, so other people's moves appear without a reload.
  var pending = 0;

  function say(text) {
    var status = document.getElementById("board-status");
    if (status) status.textContent = text;
  }

  function recount(board) {
    board.querySelectorAll(".board__column").forEach(function (column) {
      var count = column.querySelector("[data-count]");
      if (count) count.textContent = String(column.querySelectorAll(".task").length);
    });
  }

  function placeOf(card) {
    return Array.prototype.indexOf.call(card.parentNode.children, card);
  }

  function putAt(list, card, place) {
    var others = Array.prototype.filter.call(list.children, function (c) { return c !== card; });
    list.insertBefore(card, others[place] || null);
  }

  // Moves go to the server one after another, in the order they were made, each with the
  // card's column and place when its turn comes; a refusal reloads the board as it is.
  var moves = Promise.resolve();
  var moveCount = 0;

  function sendMove(card) {
    var board = card.closest(".board");
    recount(board);
    pending++;
    moveCount++;
    moves = moves.then(function () {
      var list = card.parentNode;
      var place = placeOf(card);
      return fetch("/api/v1/cards/" + card.getAttribute("data-card"), {
        method: "PATCH",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "accept": "application/json" },
        body: JSON.stringify({ column: list.getAttribute("data-column"), position: place })
      }).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            var why = body.detail || "The card could not move.";
            say(why);
            toast(why, "danger");
            return reloadBoard(board);
          }
          card.classList.toggle("task--blocked", !!body.blocked);
          say(card.querySelector(".task__title").textContent + ": " +
            list.getAttribute("data-column-name") + ", place " + (place + 1) + " of " + list.children.length);
        });
      }).catch(function () {
        toast("The card could not move: the server did not answer.", "danger");
        return reloadBoard(board);
      });
    }).then(function () {
      pending--;
    });
  }

  /** Replaces the board with the server's, keeping the focus on the card that had it. */
  function reloadBoard(board) {
    var at = moveCount;
    return fetch(window.location.pathname, { credentials: "same-origin" }).then(function (r) {
      return r.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
      if (!fresh) return;
      // A card moved here meanwhile: this copy may not have it yet; ask again.
      if (draggedCard || moveCount !== at) {
        setTimeout(function () { reloadBoard(board); }, 300);
        return;
      }
      var focused = document.activeElement && document.activeElement.getAttribute("data-card");
      board.innerHTML = fresh.innerHTML;
      if (focused) {
        var again = board.querySelector('[data-card="' + focused + '"]');
        if (again) again.focus();
      }
      board.setAttribute("data-refreshed", String(Date.now()));
    });
  }

  document.addEventListener("keydown", function (event) {
    var card = event.target.closest && event.target.closest("[data-movable] .task");
    if (!card || event.target !== card || !event.altKey) return;
    var list = card.parentNode;
    var fromPlace = placeOf(card);
    var lists = Array.prototype.slice.call(card.closest(".board").querySelectorAll(".board__cards"));
    var at = lists.indexOf(list);
    if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      var place = fromPlace + (event.key === "ArrowUp" ? -1 : 1);
      if (place < 0 || place >= list.children.length) return;
      event.preventDefault();
      putAt(list, card, place);
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      var next = lists[at + (event.key === "ArrowLeft" ? -1 : 1)];
      event.preventDefault();
      if (!next) return;
      putAt(next, card, Math.min(fromPlace, next.children.length));
    } else {
      return;
    }
    card.focus();
    sendMove(card);
  });

  var draggedCard = null, dragFrom = null, dragPlace = 0;
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-movable] .task");
    if (!card) return;
    draggedCard = card;
    dragFrom = card.parentNode;
    dragPlace = placeOf(card);
    card.classList.add("task--dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-card"));
  });
  document.addEventListener("dragover", function (event) {
    if (!draggedCard) return;
    var list = event.target.closest && event.target.closest(".board__cards");
    if (!list) return;
    event.preventDefault();
    var after = null;
    Array.prototype.forEach.call(list.children, function (other) {
      if (after !== null || other === draggedCard) return;
      var box = other.getBoundingClientRect();
      if (event.clientY < box.top + box.height / 2) after = other;
    });
    list.insertBefore(draggedCard, after);
  });
  document.addEventListener("drop", function (event) {
    if (draggedCard) event.preventDefault();
  });
  document.addEventListener("dragend", function () {
    if (!draggedCard) return;
    var card = draggedCard;
    draggedCard = null;
    card.classList.remove("task--dragging");
    if (card.parentNode !== dragFrom || placeOf(card) !== dragPlace) sendMove(card);
  });

  // [data-pair="<id>"]: two inputs that show one value, such as a slider and the amount it
  // sets (a budget's "give"); typing in one moves the other.
  document.addEventListener("input", function (event) {
    var from = event.target;
    if (!from.getAttribute || !from.hasAttribute("data-pair")) return;
    var to = document.getElementById(from.getAttribute("data-pair"));
    if (to) to.value = from.value;
  });

  // [data-follow="<url>"]: a part of the page refreshed whenever the event stream at <url>
  // says "changed" (or the events named by data-follow-event, such as the activity stream's
  // "notification activity") — its hx-trigger listens for "weft:changed". The part may be swapped for a
  // new one meanwhile, so each event finds it again. <body data-follow=open> once it listens.
  function followChanges() {
    if (!window.EventSource) return;
    var followed = {};
    document.querySelectorAll("[data-follow]").forEach(function (part) {
      var url = part.getAttribute("data-follow");
      if (followed[url]) return;
      followed[url] = true;
      var stream = new EventSource(url);
      stream.addEventListener("open", function () { document.body.setAttribute("data-follow", "open"); });
      stream.addEventListener("error", function () { document.body.setAttribute("data-follow", "closed"); });
      (part.getAttribute("data-follow-event") || "changed").split(" ").forEach(function (name) {
        stream.addEventListener(name, function () {
          var current = document.querySelector('[data-follow="' + url + '"]');
          if (current && window.htmx) window.htmx.trigger(current, "weft:changed");
        });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", followChanges);
  } else {
    followChanges();
  }

  function followBoard(board) {
    if (!window.EventSource || !board.hasAttribute("data-movable")) return;
    var id = board.getAttribute("data-board");
    var timer = null;
    var refresh = function () {
      if (pending > 0 || draggedCard) { timer = setTimeout(refresh, 500); return; }
      timer = null;
      reloadBoard(board);
    };
    var stream = new EventSource("/api/v1/stream");
    stream.addEventListener("open", function () { board.setAttribute("data-live", "open"); });
    stream.addEventListener("activity", function (event) {
      if (event.data.indexOf(id) === -1) return;
      if (!timer) timer = setTimeout(refresh, 300);
    });
  }

  // [data-upload] forms send the chosen file to /api/v1/files for their subject, or to the
  // endpoint in data-upload-to (an expense claim's receipts).
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-upload]");
    if (!form) return;
    event.preventDefault();
    var file = form.querySelector("input[type=file]").files[0];
    if (!file) return;
    var query = "subject_type=" + encodeURIComponent(form.getAttribute("data-upload")) +
      "&subject_id=" + encodeURIComponent(form.getAttribute("data-subject")) +
      "&name=" + encodeURIComponent(file.name);
    var to = form.getAttribute("data-upload-to");
    var url = to ? to + "?name=" + encodeURIComponent(file.name) : "/api/v1/files?" + query;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": file.type || "application/octet-stream" },
      body: file
    }).then(function (response) {
      if (response.ok) { window.location.reload(); return; }
      return response.json().then(function (body) { toast(body.detail || "The file was refused.", "danger"); });
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#toasts .toast").forEach(dismissLater);
    var board = document.querySelector(".board[data-board]");
    if (board) followBoard(board);
  });
})();
