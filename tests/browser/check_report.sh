#!/usr/bin/env bash
# Renders the demo's report.html in a real browser (headless Chromium) and fails on a blank or
# small page, on any message in the browser console (a JavaScript error, a Content-Security-
# Policy violation: the report forbids every request) and on any network request made by the
# page. Run from anywhere; called by .ci/run after `cargo test`.
#
#   bash tests/browser/check_report.sh              # check
#   bash tests/browser/check_report.sh --update-docs  # check, then copy the screenshot to docs/report.png
#
# Chromium: $CHROMIUM, or `chromium` on the PATH; when missing it is installed with apt-get
# (Debian's `chromium` package; the install persists, and apt keeps the downloaded packages in
# its cache). The check is skipped, with a message, only when the package is unavailable.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

find_chromium() {
    for c in "${CHROMIUM:-}" chromium chromium-browser; do
        if [ -n "$c" ] && command -v "$c" >/dev/null 2>&1; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

if ! browser="$(find_chromium)"; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "check_report: SKIPPED: no chromium and no apt-get to install it" >&2
        exit 0
    fi
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "check_report: installing chromium with apt-get" >&2
    # Try the package lists already there first (fast when they are fresh), then update them.
    if ! $sudo apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; then
        $sudo apt-get update >/dev/null
        if [ -z "$(apt-cache policy chromium 2>/dev/null | awk '/Candidate:/ && $2 != "(none)" {print $2}')" ]; then
            echo "check_report: SKIPPED: the chromium package is not available from apt" >&2
            exit 0
        fi
        $sudo apt-get install -y --no-install-recommends chromium >/dev/null
    fi
    browser="$(find_chromium)"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo run --release --quiet --manifest-path "$repo/Cargo.toml" -- demo --out "$work/demo" >/dev/null 2>"$work/demo.log" \
    || { cat "$work/demo.log" >&2; echo "check_report: btyd demo failed" >&2; exit 1; }

started=$(date +%s)
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --force-device-scale-factor=1 --window-size=1280,2400 \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --no-first-run --disable-extensions \
    --user-data-dir="$work/profile" \
    --enable-logging=stderr --v=0 --log-net-log="$work/netlog.json" \
    --screenshot="$work/report.png" "file://$work/demo/report.html" \
    >"$work/browser.out" 2>"$work/browser.log" \
    || { cat "$work/browser.log" >&2; echo "check_report: chromium failed" >&2; exit 1; }
echo "check_report: rendered with $("$browser" --version 2>/dev/null | head -1) in $(( $(date +%s) - started )) s" >&2

python3 "$here/check_report.py" "$work/demo/report.html" "$work/report.png" "$work/browser.log" "$work/netlog.json"

if [ "${1:-}" = "--update-docs" ]; then
    cp "$work/report.png" "$repo/docs/report.png"
    echo "check_report: wrote docs/report.png" >&2
fi
