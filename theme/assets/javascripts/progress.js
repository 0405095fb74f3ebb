// Reading progress, kept in this browser only (localStorage), keyed by page id so that it survives page
// moves and renames and is shared by the English and Chinese sites (same origin). No account, no server.
(function () {
  "use strict";
  var KEY = "llm-roadmap-progress";
  var VERSION = 1;
  var ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

  function read() {
    try {
      var data = JSON.parse(localStorage.getItem(KEY) || "null");
      if (data && data.version === VERSION && data.done && typeof data.done === "object") return data;
    } catch (e) { /* unreadable: start again */ }
    return { version: VERSION, done: {} };
  }

  function write(data) {
    localStorage.setItem(KEY, JSON.stringify(data));
    render();
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  // A progress file must be exactly what export writes: {version: 1, done: {id: date, ...}}.
  function validate(data) {
    if (!data || typeof data !== "object" || Array.isArray(data)) return "not a JSON object";
    if (data.version !== VERSION) return "unknown version " + JSON.stringify(data.version);
    if (!data.done || typeof data.done !== "object" || Array.isArray(data.done)) return "no 'done' object";
    for (var id in data.done) {
      if (!ID.test(id)) return "bad page id " + JSON.stringify(id);
      if (typeof data.done[id] !== "string") return "bad date for " + id;
    }
    return null;
  }

  function render() {
    var done = read().done;
    document.querySelectorAll("[data-progress-toggle]").forEach(function (btn) {
      var on = Object.prototype.hasOwnProperty.call(done, btn.dataset.pageId);
      btn.setAttribute("aria-pressed", on ? "true" : "false");
      btn.textContent = on ? btn.dataset.labelDone : btn.dataset.labelTodo;
      btn.classList.toggle("is-done", on);
    });
    document.querySelectorAll(".roadmap-map [data-page-id], .roadmap-links [data-page-id]").forEach(function (el) {
      el.classList.toggle("is-done", Object.prototype.hasOwnProperty.call(done, el.dataset.pageId));
    });
    document.querySelectorAll("[data-progress-summary]").forEach(function (box) {
      var total = 0, count = 0;
      box.querySelectorAll("[data-stage-progress]").forEach(function (row) {
        var ids = row.dataset.stagePages.split(" ");
        var n = ids.filter(function (id) { return Object.prototype.hasOwnProperty.call(done, id); }).length;
        total += ids.length;
        count += n;
        row.querySelector(".roadmap-progress__fill").style.width = (100 * n / ids.length) + "%";
        row.querySelector(".roadmap-progress__count").textContent = n + " / " + ids.length;
        row.classList.toggle("is-done", n === ids.length);
      });
      box.querySelector("[data-progress-count]").textContent = fill(box.dataset.labelTotal, { done: count, total: total });
      box.querySelector(".roadmap-progress__total .roadmap-progress__fill").style.width = (total ? 100 * count / total : 0) + "%";
    });
  }

  function message(box, text, isError) {
    var el = box.querySelector("[data-progress-message]");
    el.textContent = text;
    el.classList.toggle("is-error", !!isError);
  }

  function exportProgress(box) {
    var blob = new Blob([JSON.stringify(read(), null, 2) + "\n"], { type: "application/json" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "llm-roadmap-progress.json";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
    message(box, box.dataset.msgExported);
  }

  function importProgress(box, file) {
    var reader = new FileReader();
    reader.onload = function () {
      var data;
      try { data = JSON.parse(reader.result); } catch (e) { data = undefined; }
      var problem = data === undefined ? "not JSON" : validate(data);
      if (problem) {
        message(box, fill(box.dataset.msgBad, { name: file.name, problem: problem }), true);
        return; // nothing changes
      }
      var current = read();
      var added = 0;
      for (var id in data.done) {
        if (!Object.prototype.hasOwnProperty.call(current.done, id)) added++;
        current.done[id] = data.done[id];
      }
      write(current);
      message(box, fill(box.dataset.msgImported, { name: file.name, n: Object.keys(data.done).length, added: added }));
    };
    reader.readAsText(file);
  }

  document.addEventListener("click", function (event) {
    var btn = event.target.closest("[data-progress-toggle]");
    if (btn) {
      var data = read();
      var id = btn.dataset.pageId;
      if (Object.prototype.hasOwnProperty.call(data.done, id)) delete data.done[id];
      else data.done[id] = new Date().toISOString().slice(0, 10);
      write(data);
      return;
    }
    var box = event.target.closest("[data-progress-summary]");
    if (!box) return;
    if (event.target.closest("[data-progress-export]")) exportProgress(box);
    if (event.target.closest("[data-progress-reset]")) {
      if (window.confirm(box.dataset.msgConfirmReset)) {
        write({ version: VERSION, done: {} });
        message(box, box.dataset.msgReset);
      }
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target.closest("[data-progress-import]");
    if (input && input.files && input.files[0]) {
      importProgress(input.closest("[data-progress-summary]"), input.files[0]);
      input.value = "";
    }
  });

  // Another tab (or the other language's site) changed the progress: show it here too.
  window.addEventListener("storage", function (event) { if (event.key === KEY) render(); });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
})();
