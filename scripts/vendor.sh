#!/usr/bin/env bash
# Refresh the third-party browser assets that the site serves itself (no CDN at run time).
# The files in vendor/ are committed; run this only to change a version, then commit the result.
# Versions: mermaid must stay on major 11 (mkdocs-material 9.8 expects window.mermaid of that major).
set -euo pipefail
KATEX_VERSION=0.16.47
MERMAID_VERSION=11.17.2
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "katex@$KATEX_VERSION" "mermaid@$MERMAID_VERSION" >/dev/null
mkdir katex mermaid
tar -xzf "katex-$KATEX_VERSION.tgz" -C katex
tar -xzf "mermaid-$MERMAID_VERSION.tgz" -C mermaid
rm -rf "$root/vendor.new"
mkdir -p "$root/vendor.new/katex/contrib" "$root/vendor.new/katex/fonts" "$root/vendor.new/mermaid"
cp katex/package/dist/katex.min.js katex/package/dist/katex.min.css "$root/vendor.new/katex/"
cp katex/package/dist/contrib/auto-render.min.js "$root/vendor.new/katex/contrib/"
cp katex/package/dist/fonts/*.woff2 "$root/vendor.new/katex/fonts/"
cp katex/package/LICENSE "$root/vendor.new/katex/LICENSE"
cp mermaid/package/dist/mermaid.min.js "$root/vendor.new/mermaid/"
cp mermaid/package/LICENSE "$root/vendor.new/mermaid/LICENSE"
printf 'katex %s\nmermaid %s\n' "$KATEX_VERSION" "$MERMAID_VERSION" > "$root/vendor.new/VERSIONS"
rm -rf "$root/vendor"
mv "$root/vendor.new" "$root/vendor"
echo "vendor/: katex $KATEX_VERSION, mermaid $MERMAID_VERSION"
