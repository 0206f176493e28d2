#!/usr/bin/env python3
"""The transmit path in one picture (issue 16), as plain SVG (no plotting library):

  tx_plot.py RESULTS_DIR          writes RESULTS_DIR/tx_limit.svg

Left: probes/s of orbit per backend and thread count -- net_null for 1 and 2 threads
(tx_limit.csv, from bench/tx_limit.sh) with the plain sender's rate drawn in as the limit,
and the lab veth per backend beside zmap, masscan and the AF_XDP limit (send_bench.csv,
from bench/send_bench.sh) when that file is there. Right: the sending thread's
instructions per probe as stacked bars, orbit beside the plain sender
(tx_instructions.csv). bench/tx_limit.sh regenerates all three inputs and this picture.
"""
import csv
import os
import sys

W, H = 1180, 520
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f"]


def read(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def text(x, y, s, size=12, anchor="start", weight="normal", rotate=None):
    tr = f' transform="rotate({rotate} {x} {y})"' if rotate else ""
    s = s.replace("&", "&amp;").replace("<", "&lt;")
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" font-family="sans-serif"{tr}>{s}</text>')


def rate_panel(title, bars, limits, x0, y0, w, h):
    """bars: [(label, pps, colour)]; limits: {label: pps} drawn over the matching bars."""
    out = [text(x0 + w / 2, y0 - 14, title, 13, "middle", "bold")]
    top = max([p for _, p, _ in bars] + list(limits.values()) + [1]) * 1.15
    out.append(f'<line x1="{x0}" y1="{y0 + h}" x2="{x0 + w}" y2="{y0 + h}" stroke="black"/>')
    for i in range(6):
        v = top * i / 5
        y = y0 + h - h * i / 5
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(text(x0 - 6, y + 4, f"{v / 1e6:.2f}", 11, "end"))
    bw = w / max(len(bars), 1)
    for i, (label, pps, colour) in enumerate(bars):
        bx, bh = x0 + i * bw + bw * 0.15, h * pps / top
        out.append(f'<rect x="{bx:.1f}" y="{y0 + h - bh:.1f}" width="{bw * 0.7:.1f}" '
                   f'height="{bh:.1f}" fill="{colour}"/>')
        out.append(text(bx + bw * 0.35, y0 + h - bh - 4, f"{pps / 1e6:.2f}", 10, "middle"))
        out.append(text(bx + bw * 0.35, y0 + h + 14, label, 10, "end", rotate=-35))
        if label in limits:
            ly = y0 + h - h * limits[label] / top
            out.append(f'<line x1="{bx - 4:.1f}" y1="{ly:.1f}" x2="{bx + bw * 0.7 + 4:.1f}" '
                       f'y2="{ly:.1f}" stroke="black" stroke-width="2" stroke-dasharray="5,3"/>')
    if limits:
        out.append(text(x0 + w, y0 + h + 95, "dashed: the plain sender (tx_limit), same PMD",
                        10, "end"))
    return out


def instruction_panel(rows, x0, y0, w, h):
    out = [text(x0 + w / 2, y0 - 14, "instructions per probe, sending thread", 13, "middle",
                "bold")]
    senders = ["orbit", "tx_limit"]
    totals = {s: sum(float(r[s]) for r in rows) for s in senders}
    top = max(totals.values()) * 1.1 or 1
    bw = w / 4
    for si, s in enumerate(senders):
        bx, y = x0 + 0.5 * bw + si * 1.6 * bw, y0 + h
        for ri, r in enumerate(rows):
            v = float(r[s])
            if v <= 0:
                continue
            bh = h * v / top
            y -= bh
            out.append(f'<rect x="{bx:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{bh:.1f}" '
                       f'fill="{COLORS[ri % len(COLORS)]}" stroke="white"/>')
            if bh > 11:
                out.append(text(bx + bw / 2, y + bh / 2 + 4, f"{v:.0f}", 10, "middle"))
        out.append(text(bx + bw / 2, y - 5, f"{totals[s]:.0f}", 12, "middle", "bold"))
        out.append(text(bx + bw / 2, y0 + h + 15, s, 11, "middle"))
    for ri, r in enumerate(rows):
        ly = y0 + h + 35 + ri * 15
        lx = x0
        out.append(f'<rect x="{lx:.1f}" y="{ly - 9:.1f}" width="10" height="10" '
                   f'fill="{COLORS[ri % len(COLORS)]}"/>')
        out.append(text(lx + 14, ly, r["part"], 10))
    return out


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "bench/results"
    rates = read(os.path.join(d, "tx_limit.csv"))
    veth = read(os.path.join(d, "send_bench.csv"))
    parts = read(os.path.join(d, "tx_instructions.csv"))
    bars, limits, vbars, vlimits = [], {}, [], {}
    for r in rates:
        if r["sender"] == "orbit":
            label = f"net_null -T {r['threads']}"
            bars.append((label, float(r["pps"]), COLORS[0]))
        else:
            limits[f"net_null -T {r['threads']}"] = float(r["pps"])
    veth_limit = next((float(r["pps"]) for r in veth if r["scanner"].startswith("limit")), 0)
    for r in veth:
        if r["scanner"].startswith("limit"):
            continue
        colour = COLORS[1] if r["scanner"].startswith("orbit") else COLORS[7]
        label = "veth " + r["scanner"].replace("orbit ", "")
        vbars.append((label, float(r["pps"]), colour))
        if veth_limit and "af_xdp" in r["scanner"]:
            vlimits[label] = veth_limit
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}">',
           f'<rect width="{W}" height="{H}" fill="white"/>']
    svg += rate_panel("net_null: probes/s (millions)", bars, limits, 70, 50, 200, 280)
    if vbars:
        svg += rate_panel("lab veth, one thread: probes/s (millions)", vbars, vlimits, 350, 50,
                          380, 280)
    if parts:
        svg += instruction_panel(parts, 800, 50, 340, 280)
    svg.append("</svg>")
    with open(os.path.join(d, "tx_limit.svg"), "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
