// The unit picker: a plain <select data-unit-picker> (one unit or several) becomes a searchable tree.
// Without this script the select still works. The options come from the page (already narrowed to the
// viewer's scope by the form); a select with data-unit-picker-source also searches that scoped JSON
// endpoint for the units its short list leaves out. Units that have ended (data-ended) stay hidden unless
// "show dissolved units" is ticked. Keyboard: type to search, arrows to move, Enter or Space to choose,
// Escape to clear the search. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  var counter = 0;
  // The words come translated from the widget (data-picker-* attributes); English if missing.
  var DEFAULTS = {
    search: "Search by unit name or code", ended: "Show dissolved or merged units too", remove: "Remove",
    none: "No unit matches.", chosen: "Chosen", nothing: "No unit chosen."
  };

  function fold(text) {
    return (text || "").replace(/đ/g, "d").replace(/Đ/g, "d").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function label(option) {
    return option.textContent.replace(/^[\u2003\s—-]+/, "").trim();
  }

  function enhance(select) {
    if (select.dataset.unitPickerReady) { return; }
    select.dataset.unitPickerReady = "1";
    var id = "unit-picker-" + (++counter);
    var multiple = select.multiple;
    var source = select.getAttribute("data-unit-picker-source");
    var words = {};
    Object.keys(DEFAULTS).forEach(function (key) {
      words[key] = select.getAttribute("data-picker-" + key) || DEFAULTS[key];
    });

    var wrap = document.createElement("div");
    wrap.className = "unit-picker border rounded p-2";
    wrap.setAttribute("data-testid", "unit-picker");
    var chosen = document.createElement("div");
    chosen.className = "unit-picker-chosen d-flex flex-wrap gap-1 mb-2";
    chosen.setAttribute("aria-live", "polite");
    chosen.setAttribute("aria-label", words.chosen);
    var search = document.createElement("input");
    search.type = "search";
    search.className = "form-control form-control-sm";
    search.id = id + "-search";
    search.placeholder = words.search;
    search.autocomplete = "off";
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-expanded", "true");
    search.setAttribute("aria-controls", id + "-list");
    search.setAttribute("aria-autocomplete", "list");
    search.setAttribute("data-testid", "unit-picker-search");
    var list = document.createElement("ul");
    list.className = "unit-picker-list list-unstyled mb-0 mt-2";
    list.id = id + "-list";
    list.setAttribute("role", "listbox");
    if (multiple) { list.setAttribute("aria-multiselectable", "true"); }
    var empty = document.createElement("p");
    empty.className = "small text-muted mb-0 mt-2";
    empty.textContent = words.none;
    empty.hidden = true;

    var hasEnded = Array.prototype.some.call(select.options, function (o) { return o.hasAttribute("data-ended"); });
    var endedBox = null;
    if (hasEnded || source) {
      var endedLabel = document.createElement("label");
      endedLabel.className = "form-check small mt-2 mb-0";
      endedBox = document.createElement("input");
      endedBox.type = "checkbox";
      endedBox.className = "form-check-input";
      endedBox.setAttribute("data-testid", "unit-picker-ended");
      endedLabel.appendChild(endedBox);
      endedLabel.appendChild(document.createTextNode(" " + words.ended));
    }

    // The select stays in the form (it is what is sent), out of sight and away from screen readers and
    // the Tab key; a change made to it directly (a script, a test) shows in the picker.
    select.classList.add("visually-hidden");
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    var fieldLabel = select.id && document.querySelector("label[for='" + select.id + "']");
    if (fieldLabel) { fieldLabel.setAttribute("for", search.id); }
    if (select.getAttribute("aria-describedby")) {
      search.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    select.parentNode.insertBefore(wrap, select.nextSibling);
    wrap.appendChild(chosen);
    wrap.appendChild(search);
    if (endedBox) { wrap.appendChild(endedBox.parentNode); }
    wrap.appendChild(list);
    wrap.appendChild(empty);

    var active = -1;
    var items = [];

    function minDepth() {
      var depths = Array.prototype.map.call(select.options, function (o) {
        return parseInt(o.getAttribute("data-depth") || "1", 10);
      });
      return depths.length ? Math.min.apply(null, depths) : 1;
    }

    function choose(option, on) {
      if (!multiple) {
        Array.prototype.forEach.call(select.options, function (o) { o.selected = false; });
      }
      option.selected = on;
      select.dispatchEvent(new CustomEvent("change", { bubbles: true, detail: { picker: true } }));
      render();
    }

    function renderChosen() {
      chosen.textContent = "";
      var picked = Array.prototype.filter.call(select.options, function (o) { return o.selected && o.value; });
      if (!picked.length) {
        var none = document.createElement("span");
        none.className = "small text-muted";
        none.textContent = words.nothing;
        chosen.appendChild(none);
      }
      picked.forEach(function (option) {
        var chip = document.createElement("span");
        chip.className = "badge text-bg-primary d-inline-flex align-items-center gap-1 unit-picker-chip";
        chip.setAttribute("data-testid", "unit-picker-chip");
        chip.appendChild(document.createTextNode(label(option)));
        if (multiple || !select.required) {
          var remove = document.createElement("button");
          remove.type = "button";
          remove.className = "btn-close btn-close-white unit-picker-remove";
          remove.setAttribute("aria-label", words.remove + ": " + label(option));
          remove.addEventListener("click", function () { choose(option, false); search.focus(); });
          chip.appendChild(remove);
        }
        chosen.appendChild(chip);
      });
    }

    function visibleOptions() {
      var query = fold(search.value);
      var showEnded = endedBox && endedBox.checked;
      var options = Array.prototype.filter.call(select.options, function (o) { return o.value; });
      if (!query) {
        return options.filter(function (o) { return showEnded || o.selected || !o.hasAttribute("data-ended"); });
      }
      // A match shows with the units above it in the list, so the tree keeps its context.
      var keep = new Set();
      var stack = [];
      options.forEach(function (o) {
        var depth = parseInt(o.getAttribute("data-depth") || "1", 10);
        while (stack.length && stack[stack.length - 1].depth >= depth) { stack.pop(); }
        var hiddenEnded = !showEnded && !o.selected && o.hasAttribute("data-ended");
        if (!hiddenEnded && fold(label(o) + " " + (o.getAttribute("data-code") || "")).indexOf(query) !== -1) {
          stack.forEach(function (parent) { keep.add(parent.option); });
          keep.add(o);
        }
        stack.push({ depth: depth, option: o });
      });
      return options.filter(function (o) { return keep.has(o); });
    }

    function render() {
      renderChosen();
      list.textContent = "";
      var base = minDepth();
      items = visibleOptions().map(function (option, index) {
        var item = document.createElement("li");
        var depth = parseInt(option.getAttribute("data-depth") || "1", 10);
        item.id = id + "-opt-" + index;
        item.className = "unit-picker-option";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", option.selected ? "true" : "false");
        item.setAttribute("data-testid", "unit-picker-option");
        item.style.setProperty("--unit-depth", String(Math.max(depth - base, 0)));
        item.textContent = label(option);
        if (option.hasAttribute("data-ended")) { item.classList.add("text-muted"); }
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () {
          active = index;
          choose(option, multiple ? !option.selected : true);
        });
        list.appendChild(item);
        return { item: item, option: option };
      });
      empty.hidden = items.length > 0;
      if (active >= items.length) { active = items.length - 1; }
      highlight();
    }

    function highlight() {
      items.forEach(function (entry, index) { entry.item.classList.toggle("active", index === active); });
      if (active >= 0 && items[active]) {
        search.setAttribute("aria-activedescendant", items[active].item.id);
        items[active].item.scrollIntoView({ block: "nearest" });
      } else {
        search.removeAttribute("aria-activedescendant");
      }
    }

    var pending = null;
    function remote() {
      if (!source) { return; }
      var query = search.value.trim();
      if (query.length < 2) { return; }
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var url = source + "?q=" + encodeURIComponent(query) + (endedBox && endedBox.checked ? "&ended=1" : "");
      fetch(url, { signal: pending.signal, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          var known = new Set(Array.prototype.map.call(select.options, function (o) { return o.value; }));
          (data.results || []).forEach(function (unit) {
            if (known.has(String(unit.id))) { return; }
            var option = document.createElement("option");
            option.value = String(unit.id);
            option.textContent = unit.name + (unit.parent ? " (" + unit.parent + ")" : "");
            option.setAttribute("data-depth", String(unit.depth));
            if (unit.ended) { option.setAttribute("data-ended", "1"); }
            select.appendChild(option);
          });
          render();
        })
        .catch(function () { /* aborted by the next keystroke, or offline: the list stays as it is */ });
    }

    var timer = null;
    search.addEventListener("input", function () {
      active = 0;
      render();
      clearTimeout(timer);
      timer = setTimeout(remote, 300);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        active = Math.min(active + 1, items.length - 1);
        highlight();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        active = Math.max(active - 1, 0);
        highlight();
      } else if (event.key === "Enter") {
        // Enter never sends the whole form from here.
        event.preventDefault();
        if (active >= 0 && items[active]) {
          var option = items[active].option;
          choose(option, multiple ? !option.selected : true);
        }
      } else if (event.key === "Escape" && search.value) {
        event.preventDefault();
        search.value = "";
        render();
      }
    });
    if (endedBox) { endedBox.addEventListener("change", function () { render(); remote(); }); }
    select.addEventListener("change", function (event) { if (!event.detail || !event.detail.picker) { render(); } });
    render();
  }

  function all(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("select[data-unit-picker]"), enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { all(); });
  } else {
    all();
  }
  document.addEventListener("htmx:afterSwap", function (event) { all(event.target); });
})();
