// Reading progress, kept in this browser only (localStorage), keyed by page id so that it survives page
// moves and renames and is shared by the English and Chinese sites (same origin). No account, no server.
// Quiz answers (quiz.js) live in the same record, keyed by question id: {version, done, quiz}.
(function () {
  "use strict";
  var KEY = "llm-roadmap-progress";
  var VERSION = 1;
  var ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  var CHOICE = /^[0-9a-f]{8}$/;
  var listeners = [];

  function isObject(x) { return !!x && typeof x === "object" && !Array.isArray(x); }
  function has(obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); }

  function read() {
    try {
      var data = JSON.parse(localStorage.getItem(KEY) || "null");
      if (data && data.version === VERSION && isObject(data.done)) {
        if (!isObject(data.quiz)) data.quiz = {};
        return data;
      }
    } catch (e) { /* unreadable: start again */ }
    return { version: VERSION, done: {}, quiz: {} };
  }

  // Save and show; false (and nothing changed) when the browser refuses to store it (its storage is full).
  function write(data) {
    try {
      localStorage.setItem(KEY, JSON.stringify(data));
    } catch (e) {
      return false;
    }
    render();
    listeners.forEach(function (fn) { fn(); });
    return true;
  }

  // A real calendar date written as export writes it: 2026-03-01.
  function isDate(text) {
    if (typeof text !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
    var d = new Date(text + "T00:00:00Z");
    return !isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
  }

  // The ids this site has, from the progress summary: its pages (attribute data-stage-pages) or its quiz
  // questions (data-stage-quiz).
  function knownIds(box, attribute) {
    var ids = {};
    box.querySelectorAll("[" + attribute + "]").forEach(function (el) {
      el.getAttribute(attribute).split(" ").forEach(function (id) { if (id) ids[id] = true; });
    });
    return ids;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  // A progress file must be what export writes: {version: 1, done: {id: date, ...}, quiz: {id: answer, ...}},
  // where an answer is {ok: true|false, pick: ["3fa2b1c0", ...], date: "2026-03-01"}; files from before
  // quizzes have no `quiz`.
  function validate(data) {
    if (!isObject(data)) return "not a JSON object";
    if (data.version !== VERSION) return "unknown version " + JSON.stringify(data.version);
    if (!isObject(data.done)) return "no 'done' object";
    for (var id in data.done) {
      if (!ID.test(id)) return "bad page id " + JSON.stringify(id);
      if (!isDate(data.done[id])) return "the date for " + id + " is not a date like 2026-03-01";
    }
    if (has(data, "quiz")) {
      if (!isObject(data.quiz)) return "'quiz' is not an object";
      for (var q in data.quiz) {
        var a = data.quiz[q];
        if (!ID.test(q)) return "bad question id " + JSON.stringify(q);
        if (!isObject(a) || typeof a.ok !== "boolean") return "the answer to " + q + " has no ok: true or false";
        if (!Array.isArray(a.pick) || !a.pick.length || a.pick.length > 8 || !a.pick.every(function (k) { return typeof k === "string" && CHOICE.test(k); }))
          return "the answer to " + q + " has no list of choices (pick)";
        if (!isDate(a.date)) return "the date of the answer to " + q + " is not a date like 2026-03-01";
      }
    }
    return null;
  }

  function render() {
    var data = read(), done = data.done;
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
        var quiz = row.querySelector("[data-stage-quiz]");
        if (quiz) {
          var qs = quiz.dataset.stageQuiz.split(" ");
          var right = qs.filter(function (q) { return has(data.quiz, q) && data.quiz[q].ok === true; }).length;
          quiz.textContent = fill(box.dataset.labelQuiz, { right: right, total: qs.length });
          quiz.classList.toggle("is-done", right === qs.length);
        }
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
      var known = knownIds(box, "data-stage-pages"), questions = knownIds(box, "data-stage-quiz");
      var added = 0, imported = 0, unknown = 0, answers = 0;
      for (var id in data.done) {
        if (!known[id]) { unknown++; continue; } // a page this site does not have: not counted, not kept
        imported++;
        if (!has(current.done, id)) added++;
        current.done[id] = data.done[id];
      }
      for (var q in data.quiz || {}) {
        if (!questions[q]) { unknown++; continue; } // a question this site does not ask (any more)
        answers++;
        current.quiz[q] = data.quiz[q];
      }
      if (!write(current)) {
        message(box, box.dataset.msgFull, true);
        return; // nothing changes
      }
      var text = fill(box.dataset.msgImported, { name: file.name, n: imported, added: added, answers: answers });
      message(box, text + (unknown ? fill(box.dataset.msgUnknown, { unknown: unknown }) : ""));
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
      var saved = write(data);
      var note = btn.parentNode.querySelector("[data-progress-toggle-message]");
      if (note) {
        note.textContent = saved ? "" : btn.dataset.msgFull;
        note.classList.toggle("is-error", !saved);
      }
      return;
    }
    var box = event.target.closest("[data-progress-summary]");
    if (!box) return;
    if (event.target.closest("[data-progress-export]")) exportProgress(box);
    if (event.target.closest("[data-progress-reset]")) {
      if (window.confirm(box.dataset.msgConfirmReset)) {
        if (write({ version: VERSION, done: {}, quiz: {} })) message(box, box.dataset.msgReset);
        else message(box, box.dataset.msgFull, true);
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
  window.addEventListener("storage", function (event) {
    if (event.key !== KEY) return;
    render();
    listeners.forEach(function (fn) { fn(); });
  });

  // For quiz.js: the same record, the same checks; onChange runs after every save and every change made in
  // another tab.
  window.llmProgress = { read: read, write: write, onChange: function (fn) { listeners.push(fn); } };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
})();
