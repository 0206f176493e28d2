#!/usr/bin/env python3
"""Found fraction (open ports) vs achieved probe rate, one line per scanner, as SVG.

  accuracy_plot.py accuracy.csv accuracy.svg

Reads bench/accuracy_bench.sh's CSV. x: rate achieved (probes/s counted at the responder's
veth, log scale); y: fraction of the truth's open ports found. Filled markers: the
responder kept up; hollow: it dropped frames (the row says more about the responder than
about the scanner). Plain SVG, no plotting library needed.
"""
import csv
import math
import sys
from collections import defaultdict

W, H = 760, 470
L, R, T, B = 80, 200, 40, 60  # margins
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def main():
    src, dst = sys.argv[1], sys.argv[2]
    series = defaultdict(list)
    with open(src) as f:
        for row in csv.DictReader(f):
            pps = float(row["achieved_pps"] or 0)
            if pps <= 0:
                continue
            series[row["scanner"]].append(
                (pps, float(row["found_fraction_open"]), row["valid"] == "1"))
    pts = [p for s in series.values() for p in s]
    if not pts:
        sys.exit("no rows to plot")
    xmin = 10 ** math.floor(math.log10(min(p[0] for p in pts)))
    xmax = 10 ** math.ceil(math.log10(max(p[0] for p in pts)))
    ylo = min(0.9, math.floor(min(p[1] for p in pts) * 20) / 20)
    pw, ph = W - L - R, H - T - B

    def x(v):
        return L + pw * (math.log10(v) - math.log10(xmin)) / (math.log10(xmax) - math.log10(xmin))

    def y(v):
        return T + ph * (1 - (v - ylo) / (1 - ylo))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L + pw / 2}" y="22" text-anchor="middle" font-size="15">'
           'orbit vs zmap vs masscan: open ports found vs probe rate '
           '(198.19.0.0/16 x 4 ports, orbit-responder)</text>']
    # grid and axes
    decade = xmin
    while decade <= xmax:
        for m in range(1, 10):
            v = decade * m
            if v > xmax:
                break
            gx = x(v)
            out.append(f'<line x1="{gx:.1f}" y1="{T}" x2="{gx:.1f}" y2="{T + ph}" '
                       f'stroke="{"#ccc" if m == 1 else "#eee"}"/>')
            if m in (1, 2, 5):
                label = f"{v / 1000:g}k" if v >= 1000 else f"{v:g}"
                out.append(f'<text x="{gx:.1f}" y="{T + ph + 18}" text-anchor="middle">{label}</text>')
        decade *= 10
    steps = 10
    for i in range(steps + 1):
        v = ylo + (1 - ylo) * i / steps
        gy = y(v)
        out.append(f'<line x1="{L}" y1="{gy:.1f}" x2="{L + pw}" y2="{gy:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{L - 8}" y="{gy + 4:.1f}" text-anchor="end">{v:.3f}</text>')
    out.append(f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{L + pw / 2}" y="{H - 18}" text-anchor="middle">'
               'probes/s achieved (counted at the responder, log scale)</text>')
    out.append(f'<text x="20" y="{T + ph / 2}" text-anchor="middle" '
               f'transform="rotate(-90 20 {T + ph / 2})">found fraction (open ports)</text>')
    for i, (name, p) in enumerate(sorted(series.items())):
        c = COLORS[i % len(COLORS)]
        p.sort()
        path = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b, _ in p)
        out.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="2"/>')
        for a, b, ok in p:
            out.append(f'<circle cx="{x(a):.1f}" cy="{y(b):.1f}" r="4" stroke="{c}" '
                       f'stroke-width="2" fill="{c if ok else "white"}"/>')
        ly = T + 20 + 22 * i
        out.append(f'<line x1="{L + pw + 15}" y1="{ly}" x2="{L + pw + 40}" y2="{ly}" '
                   f'stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{L + pw + 46}" y="{ly + 4}">{name}</text>')
    ly = T + 20 + 22 * len(series) + 10
    out.append(f'<circle cx="{L + pw + 27}" cy="{ly}" r="4" stroke="#333" stroke-width="2" fill="white"/>')
    out.append(f'<text x="{L + pw + 46}" y="{ly + 4}">responder dropped</text>')
    out.append("</svg>")
    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
