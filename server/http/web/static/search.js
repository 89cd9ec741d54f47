// Search box suggestions from /api/v1/search (an ARIA combobox: arrows, Enter, Escape).
"use strict";
(function () {
  const input = document.getElementById("site-search");
  const list = document.getElementById("site-search-list");
  if (!input || !list) return;
  let items = [];
  let active = -1;
  let timer = null;
  let asked = "";

  function entityUrl(id) {
    return "/entity/" + id.split("/").map(encodeURIComponent).join("/");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function show(hits) {
    items = hits;
    list.replaceChildren();
    hits.forEach(function (hit, i) {
      const li = document.createElement("li");
      li.id = "suggestion-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      const name = document.createElement("span");
      name.textContent = hit.label;
      const kind = document.createElement("span");
      kind.className = "muted";
      kind.textContent = hit.category.replace(/_/g, " ") +
        (hit.matched !== hit.label ? " · " + hit.matched : "") + " · " + hit.id;
      li.append(name, kind);
      li.addEventListener("mousedown", function (event) {
        event.preventDefault();  // keep the focus in the input
        window.location.assign(entityUrl(hit.id));
      });
      list.append(li);
    });
    if (hits.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    } else {
      close();
    }
  }

  function highlight(index) {
    const options = list.querySelectorAll("li");
    options.forEach(function (li, i) { li.setAttribute("aria-selected", String(i === index)); });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  async function suggest() {
    const text = input.value.trim();
    if (text.length < 2) { close(); return; }
    if (text === asked) return;
    asked = text;
    try {
      const response = await fetch("/api/v1/search?limit=10&q=" + encodeURIComponent(text),
        { headers: { Accept: "application/json" } });
      if (!response.ok || input.value.trim() !== text) return;
      const body = await response.json();
      show(body.hits || []);
    } catch (error) {
      close();  // suggestions are a convenience; the form still works
    }
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    asked = "";
    timer = setTimeout(suggest, 120);
  });
  input.addEventListener("keydown", function (event) {
    if (list.hidden) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight(Math.min(active + 1, items.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(Math.max(active - 1, -1));
    } else if (event.key === "Escape") {
      event.preventDefault();  // close the list only (a search input would also be cleared)
      close();
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.assign(entityUrl(items[active].id));
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();
