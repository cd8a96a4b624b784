"""Checks a headless-Chromium rendering of btyd's report.html (standard library only).

Usage: check_report.py REPORT.html SCREENSHOT.png BROWSER.log NETLOG.json

Fails (exit 1, with the reasons) when
- the report lacks its Content-Security-Policy (which turns any request into a console
  message) or holds a script or an external reference;
- the browser console has any message: the report has no script, so a message is a
  JavaScript error or a blocked request (CSP violation);
- the network log has a request made by the page (initiated from the file, not by the
  browser's own services);
- the screenshot is not a PNG of the window's size, is small, is (nearly) one colour, or shows
  too little ink.
"""

import json
import re
import struct
import sys
import zlib

# The window size the script asks for.
WIDTH, HEIGHT = 1280, 2400
# A rendered report is hundreds of KB; a blank page is a few KB.
MIN_PNG_BYTES = 50_000
# Distinct colours in a rendered report: text, tables, charts (thousands); blank: one.
MIN_COLOURS = 64
# Share of pixels that are not the page background.
MIN_INK = 0.05


def fail(reasons):
    for r in reasons:
        print(f"check_report: FAIL: {r}", file=sys.stderr)
    sys.exit(1)


def check_html(path):
    html = open(path, encoding="utf-8").read()
    reasons = []
    if "Content-Security-Policy" not in html or "default-src 'none'" not in html:
        reasons.append("report.html has no Content-Security-Policy forbidding requests")
    lower = html.lower()
    for banned in ["<script", "<link", "<iframe", "<img", "@import", "url(", "src="]:
        if banned in lower:
            reasons.append(f"report.html contains {banned}")
    for m in re.finditer(r'href="([^"]*)"', html):
        if not m.group(1).startswith("#"):
            reasons.append(f"report.html links outside itself: {m.group(1)}")
    return reasons, html


def check_console(path):
    reasons = []
    for line in open(path, encoding="utf-8", errors="replace"):
        if ":CONSOLE" in line:
            reasons.append(f"browser console: {line.strip()}")
    return reasons


def check_requests(path, report_url):
    """Requests started for the page (initiator other than the browser itself)."""
    netlog = json.load(open(path, encoding="utf-8"))
    types = {v: k for k, v in netlog["constants"]["logEventTypes"].items()}
    reasons = []
    for e in netlog.get("events", []):
        if types.get(e.get("type")) != "URL_REQUEST_START_JOB":
            continue
        p = e.get("params") or {}
        url = p.get("url")
        if not url:
            continue  # the end of a job: the start carried the URL
        initiator = p.get("initiator", "")
        from_page = initiator != "not an origin" or "file://" in str(p.get("network_isolation_key", ""))
        if from_page and url != report_url:
            reasons.append(f"the page requested {url} (initiator {initiator})")
    return reasons


def png_pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"unexpected PNG format (depth {depth}, colour type {colour})")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows, len(data)


def check_png(path):
    width, height, bpp, rows, size = png_pixels(path)
    reasons = []
    if (width, height) != (WIDTH, HEIGHT):
        reasons.append(f"screenshot is {width}x{height}, not {WIDTH}x{HEIGHT}")
    if size < MIN_PNG_BYTES:
        reasons.append(f"screenshot is only {size} bytes (a blank page?)")
    colours, counts = set(), {}
    for row in rows[::4]:
        for x in range(0, width * bpp, 4 * bpp):
            px = row[x : x + 3]
            colours.add(px)
            counts[px] = counts.get(px, 0) + 1
    background = max(counts.values())
    ink = 1 - background / sum(counts.values())
    if len(colours) < MIN_COLOURS:
        reasons.append(f"screenshot has only {len(colours)} colours (blank?)")
    if ink < MIN_INK:
        reasons.append(f"screenshot is {100 * (1 - ink):.1f}% one colour (blank?)")
    print(
        f"check_report: screenshot {width}x{height}, {size} bytes, {len(colours)} colours "
        f"(sampled), {100 * ink:.1f}% not background",
        file=sys.stderr,
    )
    return reasons


def main():
    report, png, log, netlog = sys.argv[1:5]
    reasons, _ = check_html(report)
    reasons += check_console(log)
    reasons += check_requests(netlog, "file://" + report)
    reasons += check_png(png)
    if reasons:
        fail(reasons)
    print("check_report: OK: the report renders, no console message, no request", file=sys.stderr)


if __name__ == "__main__":
    main()
