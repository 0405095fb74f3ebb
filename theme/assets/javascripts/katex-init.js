// Render the math that pymdownx.arithmatex (generic mode) left as \( \) and \[ \], and the $ math of
// notebook pages, with the KaTeX files the site serves itself.
document.addEventListener("DOMContentLoaded", function () {
  renderMathInElement(document.body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
    ],
    ignoredClasses: ["highlight", "snippet-output", "md-search"],
    throwOnError: false,
  });
});
