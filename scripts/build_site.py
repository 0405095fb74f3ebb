"""Build the static site: both languages in parallel, and a root page that picks the reader's language.

    python scripts/build_site.py              # site/en/, site/zh/, site/index.html
    python scripts/build_site.py --out DIR    # somewhere else (the tests build into a temporary folder)

Each language is one `mkdocs build --strict`: any warning (a link to a missing page, an anchor that does not
exist, ...) fails it, and its messages are printed. (Not `-q`: with it MkDocs 1.6 drops the warnings before
strict mode counts them, and broken links built with exit 0.) The languages are built into temporary folders
and moved into place only when every one succeeded, so a failed build leaves the previous site as it was.
Nothing is executed: recorded outputs are embedded (stale ones fail the build).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {"en": "mkdocs.yml", "zh": "mkdocs.zh.yml"}

ROOT_INDEX = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LLM Roadmap · 大模型学习路线</title>
<script>
  // Send the reader to the first of their preferred languages that the site has; English otherwise.
  (function () {
    var prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
    var target = "en/";
    for (var i = 0; i < prefs.length; i++) {
      var p = String(prefs[i]).toLowerCase();
      if (p.indexOf("zh") === 0) { target = "zh/"; break; }
      if (p.indexOf("en") === 0) { target = "en/"; break; }
    }
    if (location.search.indexOf("stay") === -1) location.replace(target);
  })();
</script>
<style>
  body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.6; }
  a { display: inline-block; margin-right: 1.5rem; font-size: 1.2rem; }
</style>
</head>
<body>
<h1>LLM Roadmap · 大模型学习路线</h1>
<p>Choose a language · 选择语言：</p>
<p><a href="en/" hreflang="en">English</a><a href="zh/" hreflang="zh" lang="zh">简体中文</a></p>
</body>
</html>
"""


# Lines of a build's log that say nothing when it fails: progress notes, and jieba loading its dictionary.
QUIET = re.compile(r"^(INFO\b|Building prefix dict|Loading model|Prefix dict has been built|Dumping model)")


def build_one(lang: str, out: Path, base_url: str | None = None) -> tuple[str, int, str, float]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONWARNINGS="ignore::DeprecationWarning")
    if base_url:  # where the site will be served; the language switcher matches pages by full URL
        env["SITE_URL"] = f"{base_url.rstrip('/')}/en/"
        env["SITE_URL_ZH"] = f"{base_url.rstrip('/')}/zh/"
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", CONFIGS[lang], "--site-dir", str(out)]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = "\n".join(line for line in proc.stdout.splitlines() if not QUIET.match(line))
    return lang, proc.returncode, log.strip(), time.monotonic() - start


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def build(out: Path, langs: list[str], base_url: str | None = None) -> int:
    """Build `langs` into out/<lang>/ and write out/index.html; on any failure, change nothing in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for leftover in [*out.glob(".building-*"), *out.glob(".old-*")]:  # from a build that was killed
        remove(leftover)
    staging = Path(tempfile.mkdtemp(dir=out, prefix=".building-"))
    try:
        with ThreadPoolExecutor(max_workers=len(langs)) as pool:
            results = list(pool.map(lambda lang: build_one(lang, staging / lang, base_url), langs))
        failed = [(lang, log) for lang, code, log, _ in results if code != 0]
        for lang, log in failed:
            print(f"FAILED: the {lang} build ({CONFIGS[lang]}):\n{log}", file=sys.stderr)
        if failed:
            print(f"nothing was changed in {out}", file=sys.stderr)
            return 1
        (staging / "index.html").write_text(ROOT_INDEX, encoding="utf-8")
        for name in [*langs, "index.html"]:  # each a rename on one file system: never half there
            old = out / f".old-{name}"
            if (out / name).exists():
                os.rename(out / name, old)
            os.rename(staging / name, out / name)
            remove(old)
        for lang, _, _, seconds in results:
            print(f"built {lang} in {seconds:.1f} s -> {out / lang}")
        return 0
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "site", help="output folder (default: site/)")
    parser.add_argument("--lang", choices=sorted(CONFIGS), action="append", help="only this language (repeatable)")
    parser.add_argument("--base-url", help="where the site will be served (default http://127.0.0.1:8000)")
    args = parser.parse_args(argv)
    return build(args.out.resolve(), args.lang or sorted(CONFIGS), args.base_url)


if __name__ == "__main__":
    sys.exit(main())
