// Quizzes ("Check yourself" / "自测"), rendered by scripts/hooks.py from docs/quizzes/<page-id>.yml.
// Each question is a <fieldset class="quiz-question" data-quiz-id data-quiz-answer="<keys of the right
// choices>">, its choices radio buttons or checkboxes whose value is the choice's key. A reader's answer is
// kept with the reading progress (progress.js) under the question's id, {ok, pick, date}, so it survives
// reloads, shows on the other language's page (same ids, same keys) and travels with export and import.
// After an answer the question carries data-quiz-state="correct" or "wrong".
(function () {
  "use strict";
  var P = window.llmProgress;
  if (!P) return;

  function all(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }
  function rightKeys(q) { return q.dataset.quizAnswer.split(" "); }
  function choiceKeys(q) { return all(q, "input").map(function (i) { return i.value; }); }
  function picked(q) { return all(q, "input:checked").map(function (i) { return i.value; }); }
  function sameSet(a, b) {
    return a.length === b.length && a.every(function (x) { return b.indexOf(x) >= 0; });
  }
  function msg(q, name) { return q.closest(".quiz").getAttribute("data-msg-" + name); }

  function mark(label, text, cls) {
    var span = document.createElement("span");
    span.className = "quiz-mark " + cls;
    span.textContent = text;
    label.appendChild(span);
  }

  // Show an answered question: its choices as answered, which were right, the verdict and the explanation.
  function show(q, pick) {
    var right = rightKeys(q), ok = sameSet(pick, right);
    q.dataset.quizState = ok ? "correct" : "wrong";
    all(q, ".quiz-choice").forEach(function (label) {
      var input = label.querySelector("input"), key = input.value;
      var isRight = right.indexOf(key) >= 0, isPicked = pick.indexOf(key) >= 0;
      input.checked = isPicked;
      input.disabled = true;
      all(label, ".quiz-mark").forEach(function (m) { m.remove(); });
      label.classList.toggle("is-right", isRight);
      label.classList.toggle("is-picked", isPicked);
      label.classList.toggle("is-wrong", isPicked && !isRight);
      if (isRight) mark(label, "✓ " + msg(q, "mark-right"), "quiz-mark--right");
      else if (isPicked) mark(label, "✗ " + msg(q, "mark-yours"), "quiz-mark--wrong");
    });
    var verdict = q.querySelector(".quiz-verdict");
    verdict.textContent = ok ? msg(q, "correct") : msg(q, right.length > 1 ? "wrong-multiple" : "wrong");
    verdict.classList.remove("is-error");
    q.querySelector(".quiz-explain").hidden = false;
    q.querySelector("[data-quiz-check]").hidden = true;
    q.querySelector("[data-quiz-retry]").hidden = false;
    return ok;
  }

  // Back to unanswered.
  function clear(q) {
    delete q.dataset.quizState;
    all(q, ".quiz-choice").forEach(function (label) {
      var input = label.querySelector("input");
      input.checked = false;
      input.disabled = false;
      label.classList.remove("is-right", "is-picked", "is-wrong");
      all(label, ".quiz-mark").forEach(function (m) { m.remove(); });
    });
    q.querySelector(".quiz-verdict").textContent = "";
    q.querySelector(".quiz-explain").hidden = true;
    q.querySelector("[data-quiz-check]").hidden = false;
    q.querySelector("[data-quiz-retry]").hidden = true;
  }

  // Every question as stored. A stored answer that names a choice the question no longer has (its text was
  // changed) is ignored; one whose verdict changed (a predict question's recorded answer moved) is re-marked.
  function render() {
    var data = P.read(), changed = false;
    all(document, ".quiz-question").forEach(function (q) {
      var answer = data.quiz[q.dataset.quizId], keys = choiceKeys(q);
      if (answer && answer.pick.every(function (k) { return keys.indexOf(k) >= 0; })) {
        var ok = show(q, answer.pick);
        if (ok !== answer.ok) { answer.ok = ok; changed = true; }
      } else if (q.dataset.quizState) {
        clear(q);
      }
    });
    if (changed) P.write(data);
  }

  function saveFailed(q) {
    var verdict = q.querySelector(".quiz-verdict");
    verdict.textContent += " " + msg(q, "full");
    verdict.classList.add("is-error");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-quiz-check], [data-quiz-retry]");
    var q = button && button.closest(".quiz-question");
    if (!q) return;
    var data = P.read(), id = q.dataset.quizId;
    if (button.hasAttribute("data-quiz-check")) {
      var pick = picked(q);
      if (!pick.length) {
        q.querySelector(".quiz-verdict").textContent = msg(q, "none");
        return;
      }
      var ok = sameSet(pick, rightKeys(q));
      data.quiz[id] = { ok: ok, pick: pick, date: new Date().toISOString().slice(0, 10) };
      if (!P.write(data)) { // a save renders every question, this one included; unsaved, show it anyway
        show(q, pick);
        saveFailed(q);
      }
      q.querySelector("[data-quiz-retry]").focus();
    } else {
      delete data.quiz[id];
      if (!P.write(data)) clear(q);
      q.querySelector("input").focus();
    }
  });

  P.onChange(render);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
})();
