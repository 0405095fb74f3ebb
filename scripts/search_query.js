// Prepended to Material's search worker by scripts/hooks.py, and called where the worker turns a query into
// lunr terms. Two changes:
// 1. Words that carry no topic are left out (unless nothing else is left). Material makes every word a prefix
//    (`a` becomes `a*`), so a plain question ranked pages by how many words start with "a", "is" or 是.
//    A one- or two-letter word matches whole, not as a prefix, and a plural also finds its singular.
// 2. Every run of one to four consecutive words is also looked up whole, as the terms the glossary names:
//    scripts/hooks.py tags each page with the terms it teaches, written the same way (llmTermKey), so a query
//    naming a term finds the page that teaches it first.
var LLM_STOP_WORDS = new Set((
  // English: lunr's own stop-word list (used when the site is indexed) and question words
  "a able about across after all almost also am among an and any are as at be because been but by can cannot " +
  "could dear did do does either else ever every for from get got had has have he her hers him his how however " +
  "i if in into is it its just least let like likely may me might most must my neither no nor not of off often " +
  "on only or other our own rather said say says she should since so some than that the their them then there " +
  "these they this tis to too twas us wants was we were what when where which while who whom why will with " +
  "would yet you your versus vs work works explain mean means " +
  // Chinese: question words and particles, as jieba cuts them
  "什么 什么样 怎么 怎样 怎么样 如何 为什么 为何 哪些 哪个 哪种 多少 多大 是否 是 的 地 得 了 吗 呢 吧 啊 和 与 及 " +
  "或 还是 以及 一个 一种 有 要 会 能 可以 应该 需要 我 你 我们 在 中 对 把 被 给 用 做 就 都 也 这 那 这个 那个 之 其"
).split(" "));
// Words on nearly every page of this site: looked up as part of a glossary term ("large model", "save a
// model"), not on their own, or a page with "model" in its title answered every question that mentions one.
var LLM_WEAK_WORDS = new Set(["model", "models", "模型"]);
var LLM_HAN = /^[\u3400-\u4dbf\u4e00-\u9fff]+$/;

// An English plural made singular, as scripts/hooks.py does for the glossary's terms (SINGULAR).
function llmSingular(word) { return word.replace(/^([a-z0-9_]{2,})ies$/, "$1y").replace(/^([a-z0-9_]{2,}[^su])s$/, "$1"); }

// The stem a query word is looked up by, as a prefix: its other forms start with it ("saving", "saves" and
// "save" all start with "sav"; "queries" and "query" with "quer").
function llmStem(word) {
  return word.replace(/^([a-z0-9_]{2,})ies$/, "$1").replace(/^([a-z0-9_]{2,}[^su])s$/, "$1")
    .replace(/^([a-z0-9_]{3,}?)(?:ing|ed|e)$/, "$1");
}

// The key of a term, as scripts/hooks.py writes it (term_key): lower case, singular, words joined by "_",
// Chinese pieces joined directly, between marks that no text contains.
function llmTermKey(words) {
  var key = "";
  for (var i = 0; i < words.length; i++) {
    key += (i && !(LLM_HAN.test(words[i - 1]) && LLM_HAN.test(words[i])) ? "_" : "") + words[i];
  }
  return "\u00a7" + key + "\u00a7";
}

function llmQueryTerms(terms) {
  var word = function (t) { return t.replace(/^[+-]/, "").replace(/[*~^\d]+$/, "").toLowerCase(); };
  var kept = terms.filter(function (t) { return !LLM_STOP_WORDS.has(word(t)); });
  if (!kept.length) kept = terms;
  var words = [];  // a term such as multi-head* still holds separators here: lunr splits it later, as here
  var looked = kept.filter(function (t) { return !LLM_WEAK_WORDS.has(word(t)); });
  kept.forEach(function (t) {
    word(t).split(lunr.tokenizer.separator).forEach(function (w) {
      if (/^[a-z0-9_]+$|^[\u3400-\u4dbf\u4e00-\u9fff]+$/.test(w)) words.push(llmSingular(w));
    });
  });
  words = words.filter(function (w, i) { return i === 0 || w !== words[i - 1]; });
  var keys = [];
  for (var n = 1; n <= 4; n++) {  // a longer term is the more specific: boost n squared
    for (var i = 0; i + n <= words.length; i++) keys.push(llmTermKey(words.slice(i, i + n)) + "^" + n * n);
  }
  var out = (looked.length ? looked : kept).map(function (t) {
    if (/^[\x00-\x7f]{1,2}\*$/.test(t)) return t.slice(0, -1);  // "kv", "d": whole words only
    var m = /^([a-z0-9_]{4,})\*$/.exec(t.toLowerCase());
    return m ? llmStem(m[1]) + "*" : t;
  });
  return out.concat(keys.filter(function (k, i) { return keys.indexOf(k) === i; })).join(" ");
}
