// The unit picker: a plain <select data-unit-picker> (one unit or several) becomes a searchable tree that
// folds and unfolds. Without this script the select still works. The options come from the page (already
// narrowed to the viewer's scope by the form), each with its tree path, depth and number of units right
// under it; a select with data-unit-picker-source also opens, through that scoped JSON endpoint, the
// branches its short list leaves out, and searches the units it does not list. Units that have ended
// (data-ended) stay hidden unless "show dissolved units" is ticked: a branch comes from the server without
// them until then, and a unit whose units under it have all ended (data-children 0, data-children-ended
// more) has nothing to open.
// Keyboard (WAI-ARIA tree): in the search box, type to search, Down to enter the tree (at its top), Enter to choose the
// first match; in the tree, Up/Down to move, Right to open a branch (or go to its first unit), Left to
// close it (or go to the unit above), Home/End, Enter or Space to choose, Escape back to the search.
// No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  var counter = 0;
  // The words come translated from the widget (data-picker-* attributes); English if missing.
  var DEFAULTS = {
    search: "Search by unit name or code", ended: "Show dissolved or merged units too", remove: "Remove",
    none: "No unit matches.", chosen: "Chosen", nothing: "No unit chosen.", tree: "Units"
  };

  function fold(text) {
    return (text || "").replace(/đ/g, "d").replace(/Đ/g, "d").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function label(option) {
    return option.textContent.replace(/^[\u2003\s—-]+/, "").trim();
  }

  function depthOf(option) {
    return parseInt(option.getAttribute("data-depth") || "1", 10);
  }

  function enhance(select) {
    if (select.dataset.unitPickerReady) { return; }
    select.dataset.unitPickerReady = "1";
    var id = "unit-picker-" + (++counter);
    var multiple = select.multiple;
    var source = select.getAttribute("data-unit-picker-source");
    var byCode = select.getAttribute("data-unit-picker-value") === "code";
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
    search.setAttribute("aria-controls", id + "-list");
    search.setAttribute("data-testid", "unit-picker-search");
    var list = document.createElement("ul");
    list.className = "unit-picker-list list-unstyled mb-0 mt-2";
    list.id = id + "-list";
    list.setAttribute("role", "tree");
    list.setAttribute("data-testid", "unit-picker-tree");
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
    if (fieldLabel) {
      fieldLabel.setAttribute("for", search.id);
      if (!fieldLabel.id) { fieldLabel.id = id + "-label"; }
      list.setAttribute("aria-labelledby", fieldLabel.id);
    } else {
      list.setAttribute("aria-label", words.tree);
    }
    if (select.getAttribute("aria-describedby")) {
      search.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    select.parentNode.insertBefore(wrap, select.nextSibling);
    wrap.appendChild(chosen);
    wrap.appendChild(search);
    if (endedBox) { wrap.appendChild(endedBox.parentNode); }
    wrap.appendChild(list);
    wrap.appendChild(empty);

    var expanded = new Set();   // the values of the branches opened by hand
    var collapsed = new Set();  // ... and of those closed by hand (a branch open by default, or on a search)
    var fetched = new Set();    // the branches whose units in force came from the endpoint
    var fetchedEnded = new Set(); // ... and those whose ended units came too (asked with the switch on)
    var items = [];             // what the tree shows: {item, option, level, parent, hasChildren, open}
    var current = null;         // the value of the unit that has the tree's focus stop

    function showingEnded() {
      return Boolean(endedBox && endedBox.checked);
    }

    function count(option, name) {
      return parseInt(option.getAttribute(name) || "0", 10);
    }

    // How many units right under this one the tree may show: those in force, and the ended ones when asked.
    function childCount(option) {
      return count(option, "data-children") + (showingEnded() ? count(option, "data-children-ended") : 0);
    }

    // Whether the endpoint still has units under this one that the tree would show.
    function unfetched(option) {
      var value = option.value;
      if (!source || childCount(option) === 0) { return false; }
      if (showingEnded() && count(option, "data-children-ended") > 0) { return !fetchedEnded.has(value); }
      return !fetched.has(value) && !fetchedEnded.has(value);
    }

    function options() {
      return Array.prototype.filter.call(select.options, function (o) { return o.value; });
    }

    function steplen(option) {
      var path = option.getAttribute("data-path") || "";
      return path ? path.length / depthOf(option) : 0;
    }

    // Each option's parent in the tree: the nearest unit above it that the select holds (by its path; by
    // the order and depths when the options have no path).
    function structure(all) {
      var byPath = new Map();
      all.forEach(function (o) { if (o.getAttribute("data-path")) { byPath.set(o.getAttribute("data-path"), o); } });
      var parents = new Map();
      var stack = [];
      all.forEach(function (o) {
        var depth = depthOf(o);
        var path = o.getAttribute("data-path");
        var parent = null;
        if (path) {
          var step = steplen(o);
          for (var cut = path.length - step; cut > 0 && !parent; cut -= step) {
            parent = byPath.get(path.slice(0, cut)) || null;
          }
        } else {
          while (stack.length && depthOf(stack[stack.length - 1]) >= depth) { stack.pop(); }
          parent = stack.length ? stack[stack.length - 1] : null;
          stack.push(o);
        }
        parents.set(o, parent);
      });
      return parents;
    }

    function ancestors(option, parents) {
      var found = [];
      for (var p = parents.get(option); p; p = parents.get(p)) { found.push(p); }
      return found;
    }

    function choose(option, on) {
      if (!multiple) {
        Array.prototype.forEach.call(select.options, function (o) { o.selected = false; });
      }
      option.selected = on;
      current = option.value;
      select.dispatchEvent(new CustomEvent("change", { bubbles: true, detail: { picker: true } }));
      render();
    }

    function renderChosen() {
      chosen.textContent = "";
      var picked = options().filter(function (o) { return o.selected; });
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

    // The rows the tree shows, in order. Without a search: the top units and the branches opened (the top
    // ones and those holding a chosen unit open by themselves). With a search: the matches and the units
    // above them, those open.
    function rows() {
      var all = options();
      var parents = structure(all);
      var showEnded = showingEnded();
      var query = fold(search.value);
      var shown = all.filter(function (o) { return showEnded || o.selected || !o.hasAttribute("data-ended"); });
      var children = new Map();
      shown.forEach(function (o) {
        var p = parents.get(o);
        if (p) { children.set(p, (children.get(p) || 0) + 1); }
      });
      var shownSet = new Set(shown);
      var keep = null;
      var keptBelow = new Set();  // units with a match right under them (open on a search)
      if (query) {
        keep = new Set();
        shown.forEach(function (o) {
          if (fold(label(o) + " " + (o.getAttribute("data-code") || "")).indexOf(query) !== -1) {
            keep.add(o);
            ancestors(o, parents).forEach(function (a) { keep.add(a); keptBelow.add(a); });
          }
        });
      }
      var chosenAbove = new Set();
      shown.forEach(function (o) { if (o.selected) { ancestors(o, parents).forEach(function (a) { chosenAbove.add(a); }); } });
      var visible = new Set();
      var levels = new Map();
      var result = [];
      shown.forEach(function (o) {
        var parent = parents.get(o);
        while (parent && !shownSet.has(parent)) { parent = parents.get(parent); }
        if (keep && !keep.has(o)) { return; }
        if (parent && !visible.has(parent)) { return; }
        var level = parent ? levels.get(parent) + 1 : 0;
        levels.set(o, level);
        var known = children.get(o) || 0;
        var more = unfetched(o);
        var hasChildren = known > 0 || more;
        var open;
        if (collapsed.has(o.value)) {
          open = false;
        } else if (expanded.has(o.value)) {
          open = true;
        } else if (keep) {
          open = keptBelow.has(o);
        } else {
          open = level === 0 || chosenAbove.has(o);
        }
        open = hasChildren && open && known > 0;
        result.push({ option: o, level: level, parent: parent, hasChildren: hasChildren, open: open });
        if (open) { visible.add(o); }
      });
      return result;
    }

    function render() {
      var hadFocus = list.contains(document.activeElement);
      renderChosen();
      list.textContent = "";
      items = rows().map(function (row, index) {
        var option = row.option;
        var item = document.createElement("li");
        item.id = id + "-opt-" + index;
        item.className = "unit-picker-option";
        item.setAttribute("role", "treeitem");
        item.setAttribute("aria-level", String(row.level + 1));
        item.setAttribute("aria-selected", option.selected ? "true" : "false");
        item.setAttribute("data-testid", "unit-picker-option");
        item.setAttribute("data-value", option.value);
        item.tabIndex = -1;
        if (row.hasChildren) { item.setAttribute("aria-expanded", row.open ? "true" : "false"); }
        item.style.setProperty("--unit-depth", String(row.level));
        var twisty = document.createElement("span");
        twisty.className = "unit-picker-twisty";
        twisty.setAttribute("aria-hidden", "true");
        twisty.setAttribute("data-testid", "unit-picker-twisty");
        twisty.textContent = row.hasChildren ? (row.open ? "\u25BE" : "\u25B8") : "";
        item.appendChild(twisty);
        var text = document.createElement("span");
        text.className = "unit-picker-label";
        text.textContent = label(option);
        item.appendChild(text);
        if (option.hasAttribute("data-ended")) { item.classList.add("text-muted"); }
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        twisty.addEventListener("click", function (event) {
          event.stopPropagation();
          current = option.value;
          toggle(row, !row.open);
          focusCurrent();
        });
        item.addEventListener("click", function () {
          current = option.value;
          choose(option, multiple ? !option.selected : true);
          focusCurrent();
        });
        list.appendChild(item);
        return { item: item, row: row };
      });
      empty.hidden = items.length > 0;
      var stop = indexOf(current);
      if (stop < 0) {
        stop = items.findIndex(function (entry) { return entry.row.option.selected; });
        if (stop < 0) { stop = 0; }
      }
      if (items[stop]) { items[stop].item.tabIndex = 0; }
      if (hadFocus) { focusCurrent(); }
    }

    function indexOf(value) {
      for (var i = 0; i < items.length; i++) { if (items[i].row.option.value === value) { return i; } }
      return -1;
    }

    function focusAt(index) {
      if (!items.length) { return; }
      index = Math.max(0, Math.min(index, items.length - 1));
      items.forEach(function (entry) { entry.item.tabIndex = -1; });
      current = items[index].row.option.value;
      items[index].item.tabIndex = 0;
      items[index].item.focus();
      items[index].item.scrollIntoView({ block: "nearest" });
    }

    function focusCurrent() {
      var index = indexOf(current);
      focusAt(index < 0 ? 0 : index);
    }

    function toggle(row, open) {
      var value = row.option.value;
      if (open) {
        collapsed.delete(value);
        expanded.add(value);
        if (unfetched(row.option)) {
          branch(row.option);
          return;
        }
      } else {
        expanded.delete(value);
        collapsed.add(value);
      }
      render();
    }

    // New options from the endpoint, each put in its place in the tree (the select's order is the tree's).
    function add(units) {
      var byValue = new Set(Array.prototype.map.call(select.options, function (o) { return o.value; }));
      units.forEach(function (unit) {
        var value = byCode ? unit.code : String(unit.id);
        if (byValue.has(value)) { return; }
        var option = document.createElement("option");
        option.value = value;
        option.textContent = unit.name + (unit.parent ? " (" + unit.parent + ")" : "");
        option.setAttribute("data-id", String(unit.id));
        option.setAttribute("data-depth", String(unit.depth));
        option.setAttribute("data-path", unit.path || "");
        option.setAttribute("data-code", unit.code || "");
        option.setAttribute("data-children", String(unit.children || 0));
        option.setAttribute("data-children-ended", String(unit.children_ended || 0));
        if (unit.ended) { option.setAttribute("data-ended", "1"); }
        var before = null;
        if (unit.path) {
          before = Array.prototype.find.call(select.options, function (o) {
            var path = o.getAttribute("data-path");
            return o.value && path && path > unit.path;
          }) || null;
        }
        select.insertBefore(option, before);
        byValue.add(value);
      });
    }

    // The source may name the form's narrowing already (?purpose=…): the parameters follow it.
    function sourceUrl(params) {
      return source + (source.indexOf("?") === -1 ? "?" : "&") + params;
    }

    function fetchJson(params) {
      return fetch(sourceUrl(params), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; });
    }

    function branch(option) {
      var value = option.value;
      var ended = showingEnded();
      fetchJson("parent=" + encodeURIComponent(option.getAttribute("data-id") || value) + (ended ? "&ended=1" : ""))
        .then(function (data) {
          (ended ? fetchedEnded : fetched).add(value);
          add(data.results || []);
          render();
        })
        .catch(function () { render(); });
    }

    var pending = null;
    function remote() {
      if (!source) { return; }
      var query = search.value.trim();
      if (query.length < 2) { return; }
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var url = sourceUrl("q=" + encodeURIComponent(query)) + (endedBox && endedBox.checked ? "&ended=1" : "");
      fetch(url, { signal: pending.signal, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          add(data.results || []);
          render();
        })
        .catch(function () { /* aborted by the next keystroke, or offline: the list stays as it is */ });
    }

    var timer = null;
    search.addEventListener("input", function () {
      current = null;
      expanded.clear();
      collapsed.clear();
      render();
      clearTimeout(timer);
      timer = setTimeout(remote, 300);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        focusAt(0);
      } else if (event.key === "Enter") {
        // Enter never sends the whole form from here: it chooses the first match of a search.
        event.preventDefault();
        if (search.value.trim()) {
          var match = items.find(function (entry) {
            return fold(label(entry.row.option) + " " + (entry.row.option.getAttribute("data-code") || ""))
              .indexOf(fold(search.value)) !== -1;
          });
          if (match) { choose(match.row.option, multiple ? !match.row.option.selected : true); }
        }
      } else if (event.key === "Escape" && search.value) {
        event.preventDefault();
        search.value = "";
        render();
      }
    });
    list.addEventListener("keydown", function (event) {
      var index = indexOf(current);
      if (index < 0) { return; }
      var row = items[index].row;
      var key = event.key;
      if (key === "ArrowDown") {
        focusAt(index + 1);
      } else if (key === "ArrowUp") {
        focusAt(index - 1);
      } else if (key === "Home") {
        focusAt(0);
      } else if (key === "End") {
        focusAt(items.length - 1);
      } else if (key === "ArrowRight") {
        if (row.hasChildren && !row.open) {
          toggle(row, true);
        } else if (row.open) {
          focusAt(index + 1);
        }
      } else if (key === "ArrowLeft") {
        if (row.open) {
          toggle(row, false);
        } else if (row.parent) {
          var up = indexOf(row.parent.value);
          if (up >= 0) { focusAt(up); }
        }
      } else if (key === "Enter" || key === " ") {
        choose(row.option, multiple ? !row.option.selected : true);
      } else if (key === "Escape") {
        search.focus();
      } else if (key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
        search.focus();  // typing goes on in the search box
        return;
      } else {
        return;
      }
      event.preventDefault();
    });
    // Ticked: the open branches that came from the endpoint without their ended units come again with
    // them (a branch the page listed holds them already).
    function openBranchesAgain() {
      if (!showingEnded()) { return; }
      options().forEach(function (option) {
        var value = option.value;
        if (expanded.has(value) && fetched.has(value) && unfetched(option)) { branch(option); }
      });
    }
    if (endedBox) { endedBox.addEventListener("change", function () { render(); remote(); openBranchesAgain(); }); }
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
