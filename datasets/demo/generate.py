#!/usr/bin/env python3
"""Generate the synthetic gridplan demo district.

Usage:  /usr/bin/python3 datasets/demo/generate.py [OUTPUT_DIR]

Writes units.gpkg, communities.gpkg, cases.gpkg, existing_plan.gpkg,
existing_plan.csv and workers.csv into OUTPUT_DIR (default: the folder this
script lives in).  Everything is drawn from one seeded numpy Generator, so two
runs produce identical features and values.  All data is SYNTHETIC: no real
people, compounds or community boundaries are represented.

Geometry is built in a metric CRS (UTM zone 52, GRS80) and written in CGCS2000
geographic coordinates (EPSG:4490, lon/lat order).

Needs only Debian packages: python3-numpy, python3-shapely (1.8 or 2.x),
python3-pyproj, python3-gdal (osgeo.ogr, used to write GeoPackage/CSV output).
"""

import csv
import datetime
import math
import os
import sqlite3
import sys

import numpy as np
from osgeo import gdal, ogr, osr
from pyproj import CRS, Transformer
from shapely import wkb as shapely_wkb
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.polygon import orient
from shapely.ops import polygonize, unary_union
from shapely.ops import transform as shapely_transform
from shapely.prepared import prep

SEED = 20261127
METRIC_PROJ = "+proj=utm +zone=52 +ellps=GRS80 +units=m +no_defs"
OUT_EPSG = 4490
CENTER_LON, CENTER_LAT = 129.61, 44.58
WIDTH_M, HEIGHT_M = 3000.0, 2500.0
NCOLS, NROWS = 11, 9          # blocks in x / y
COUNTY = "231002"
QUARTER_START = datetime.date(2026, 7, 1)
QUARTER_END = datetime.date(2026, 9, 30)
# Fixed GeoPackage timestamps so that reruns are byte-identical where GDAL allows.
FIXED_GPKG_DATE = "2026-11-27T00:00:00.000Z"

STREETS = [
    ("001", "新安街道", ["新华社区", "光明社区", "胜利社区", "和平社区", "建设社区"]),
    ("002", "东盛街道", ["东风社区", "友谊社区", "繁荣社区", "朝阳社区", "幸福社区"]),
]

WORDS = [
    "Xinhua", "Yangguang", "Jinxiu", "Huanan", "Mudan", "Beishan", "Jiangbin",
    "Xingfu", "Hexie", "Minzhu", "Tianfu", "Lvyuan", "Chunhui", "Fuqiang",
    "Xinyuan", "Jinqiao", "Dongsheng", "Hongqi", "Guangming", "Chaoyang",
    "Xiangyang", "Qianjin", "Donghai", "Baihua", "Tianyi", "Yuhua", "Jindi",
    "Longquan", "Shuguang", "Anning", "Taiping", "Changqing", "Wenhua",
    "Jianshe", "Youyi", "Fanrong", "Shengli", "Heping", "Dongfeng", "Xinglong",
    "Ruifeng", "Jiahe", "Yongan", "Kangle", "Songhua", "Xueyuan", "Lianhua",
    "Meilin", "Qingnian", "Gongnong", "Tielu", "Linye", "Zhenxing", "Xinxing",
    "Hongxing", "Beiguan", "Nanshi", "Xishan", "Dongshan", "Liuyin", "Yuquan",
    "Jinhe", "Bailu", "Cuiwei", "Hongyuan", "Lijing", "Boya", "Huaxia",
    "Shunda", "Fengyuan", "Yinhe", "Mingzhu", "Jingyuan", "Hengfeng",
    "Shuangfeng", "Tianhe", "Qingyun", "Wanfu", "Ziyun", "Baoshan",
]
HIGH_SUFFIX = ["Garden", "Jiayuan", "Mansion", "International", "Residence", "Huafu"]
MID_SUFFIX = ["Xiaoqu", "Court", "Garden", "Estate", "Apartments"]
LOW_SUFFIX = ["Lane", "Hutong", "Alley", "Row Houses"]
NONRES_NAMES = {
    "school": ["{w} Primary School", "{w} Middle School", "{w} Kindergarten and Primary School"],
    "hospital": ["{w} Hospital", "{w} Community Health Centre"],
    "park": ["{w} Park", "{w} Riverside Green"],
    "market": ["{w} Farmers' Market", "{w} Wholesale Market"],
    "factory": ["{w} Machinery Plant", "{w} Food Factory", "{w} Wood Products Factory",
                "{w} Brewery", "{w} Paper Mill"],
}
SURNAMES = [
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu",
    "Xu", "Sun", "Hu", "Zhu", "Gao", "Lin", "He", "Guo", "Ma", "Luo", "Liang",
    "Song", "Zheng", "Xie", "Han", "Tang", "Feng", "Yu", "Dong", "Xiao", "Cheng",
    "Cao", "Yuan", "Deng", "Fu", "Shen", "Zeng", "Peng", "Lu", "Su", "Jiang",
    "Cai", "Jia", "Ding", "Wei", "Xue", "Ye", "Yan",
]
GIVEN = [
    "Li", "Wei", "Fang", "Na", "Min", "Jing", "Hua", "Jun", "Qiang", "Lei",
    "Yang", "Yan", "Jie", "Tao", "Ming", "Chao", "Xiuying", "Guiying", "Xia",
    "Ping", "Gang", "Hong", "Yong", "Yun", "Hui", "Lan", "Shu", "Dan", "Ying",
    "Bo", "Xin", "Ning", "Hao", "Kai", "Lin", "Juan", "Yu", "Lili", "Haiyan",
    "Jianguo", "Guohua", "Shuying", "Yumei", "Chunmei", "Xiaohong", "Dongmei",
]
CATEGORIES = ["dispute", "safety_hazard", "sanitation", "elderly_visit", "facility_repair"]
CATEGORY_P = [0.20, 0.15, 0.30, 0.25, 0.10]

CUT_EXTEND_M = 0.01     # cut lines overshoot by 1 cm; dangles are dropped by polygonize
CASE_INNER_BUFFER_M = 1.0


class Redraw(Exception):
    """A soft target was missed; draw again (deterministically) from the same RNG."""


def check(cond, msg):
    """Hard invariant: abort with a non-zero exit status if violated."""
    if not cond:
        print("CHECK FAILED: " + msg, file=sys.stderr)
        sys.exit(1)


# --------------------------------------------------------------------------
# CRS helpers
# --------------------------------------------------------------------------
METRIC_CRS = CRS.from_proj4(METRIC_PROJ)
GEO_CRS = CRS.from_epsg(OUT_EPSG)
TO_GEO = Transformer.from_crs(METRIC_CRS, GEO_CRS, always_xy=True)
TO_METRIC = Transformer.from_crs(GEO_CRS, METRIC_CRS, always_xy=True)


def to_geo(geom):
    return shapely_transform(lambda x, y, z=None: TO_GEO.transform(x, y), geom)


def geoms_of(g):
    return list(g.geoms) if hasattr(g, "geoms") else [g]


# --------------------------------------------------------------------------
# Small numeric helpers
# --------------------------------------------------------------------------
def split_total(total, n, lo, hi, rng):
    """Split integer total into n integer parts, each in [lo, hi], randomly."""
    assert lo * n <= total <= hi * n, (total, n, lo, hi)
    w = rng.uniform(0.6, 1.4, n)
    parts = np.clip(np.floor(total * w / w.sum()).astype(int), lo, hi)
    diff = int(total - parts.sum())
    while diff != 0:
        step = 1 if diff > 0 else -1
        idx = [k for k in range(n) if (parts[k] < hi if step > 0 else parts[k] > lo)]
        k = idx[int(rng.integers(len(idx)))]
        parts[k] += step
        diff -= step
    return [int(p) for p in parts]


def lowrise_hh(rng):
    if rng.random() < 0.06:                      # three/four-storey walk-up block
        return int(rng.integers(60, 121))
    return int(min(120, 30 + round(rng.gamma(1.0, 7.0))))   # bungalow lane


def grid_split_ok(h):
    """True if h households can be split into k grids of 300..500 with 5% slack."""
    for k in range(1, h // 300 + 2):
        if 300 * k * 1.05 <= h <= 500 * k * 0.95:
            return True
    return False


# --------------------------------------------------------------------------
# Road grid and blocks
# --------------------------------------------------------------------------
def draw_road_grid(rng, cx, cy):
    def widths(total, n):
        while True:
            w = rng.uniform(185.0, 365.0, n)
            w *= total / w.sum()
            if w.min() >= 190.0 and w.max() <= 360.0:
                return w

    for _ in range(1000):
        xs = np.concatenate([[0.0], np.cumsum(widths(WIDTH_M, NCOLS))]) - WIDTH_M / 2
        ys = np.concatenate([[0.0], np.cumsum(widths(HEIGHT_M, NROWS))]) - HEIGHT_M / 2
        jit = rng.uniform(-18.0, 18.0, (NCOLS + 1, NROWS + 1, 2))
        nodes = np.empty((NCOLS + 1, NROWS + 1, 2))
        for i in range(NCOLS + 1):
            for j in range(NROWS + 1):
                # round to the centimetre so coordinates print nicely; cuts are noded anyway
                nodes[i, j, 0] = round(cx + xs[i] + jit[i, j, 0], 2)
                nodes[i, j, 1] = round(cy + ys[j] + jit[i, j, 1], 2)
        ok = True
        for i in range(NCOLS):
            for j in range(NROWS):
                for a, b in (((i, j), (i + 1, j)), ((i, j + 1), (i + 1, j + 1)),
                             ((i, j), (i, j + 1)), ((i + 1, j), (i + 1, j + 1))):
                    d = float(np.hypot(*(nodes[b] - nodes[a])))
                    if not 150.0 <= d <= 400.0:
                        ok = False
        if ok:
            return nodes, xs
    raise RuntimeError("could not draw road grid")


class Block:
    def __init__(self, i, j, nodes):
        self.i, self.j = i, j
        self.p00 = nodes[i, j]
        self.p10 = nodes[i + 1, j]
        self.p11 = nodes[i + 1, j + 1]
        self.p01 = nodes[i, j + 1]
        self.poly = Polygon([tuple(self.p00), tuple(self.p10), tuple(self.p11), tuple(self.p01)])
        self.area = self.poly.area
        self.W = 0.5 * (np.hypot(*(self.p10 - self.p00)) + np.hypot(*(self.p11 - self.p01)))
        self.H = 0.5 * (np.hypot(*(self.p01 - self.p00)) + np.hypot(*(self.p11 - self.p10)))
        c = self.poly.centroid
        self.cx, self.cy = c.x, c.y
        self.cells = []   # list of dicts: region (u0,u1,v0,v1) + attributes
        self.cuts = []    # list of parameter-space segments ((u,v),(u,v))

    def F(self, u, v):
        p = ((1 - u) * (1 - v) * self.p00 + u * (1 - v) * self.p10
             + u * v * self.p11 + (1 - u) * v * self.p01)
        return float(p[0]), float(p[1])

    def cell_poly(self, region):
        u0, u1, v0, v1 = region
        return Polygon([self.F(u0, v0), self.F(u1, v0), self.F(u1, v1), self.F(u0, v1)])

    def guillotine(self, region, n, rng):
        """Split a parameter-space rectangle into n cells of similar area."""
        if n == 1:
            return [region]
        u0, u1, v0, v1 = region
        n1 = n // 2 if rng.random() < 0.5 else n - n // 2
        frac = float(np.clip(n1 / n * (1 + rng.uniform(-0.15, 0.15)), 0.15, 0.85))
        if (u1 - u0) * self.W >= (v1 - v0) * self.H:
            uc = u0 + frac * (u1 - u0)
            self.cuts.append(((uc, v0), (uc, v1)))
            a, b = (u0, uc, v0, v1), (uc, u1, v0, v1)
        else:
            vc = v0 + frac * (v1 - v0)
            self.cuts.append(((u0, vc), (u1, vc)))
            a, b = (u0, u1, v0, vc), (u0, u1, vc, v1)
        return self.guillotine(a, n1, rng) + self.guillotine(b, n - n1, rng)

    def split_two(self, frac, rng):
        """Split the whole block across its longer side; returns (part_a, part_b)."""
        if self.W >= self.H:
            self.cuts.append(((frac, 0.0), (frac, 1.0)))
            return (0.0, frac, 0.0, 1.0), (frac, 1.0, 0.0, 1.0)
        self.cuts.append(((0.0, frac), (1.0, frac)))
        return (0.0, 1.0, 0.0, frac), (0.0, 1.0, frac, 1.0)


# --------------------------------------------------------------------------
# Block programmes (what is built on each block)
# --------------------------------------------------------------------------
class Namer:
    """Draws compound names; every full name is used at most once."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def name(self, formats):
        for _ in range(100000):
            nm = self.pick(formats).format(w=self.pick(WORDS))
            if nm not in self.used:
                self.used.add(nm)
                return nm
        raise RuntimeError("name pool exhausted")


def add_compound(block, region, kind, namer, rng):
    if kind == "high_rise":
        hh = int(rng.integers(1000, 1801))
        lo_n, hi_n = math.ceil(hh / 200), hh // 80
        n = int(np.clip(round(hh / rng.uniform(110, 170)), lo_n, hi_n))
        parts = split_total(hh, n, 80, 200, rng)
        name = namer.name(["{w} " + x for x in HIGH_SUFFIX])
    else:
        hh = int(rng.integers(300, 701))
        lo_n, hi_n = math.ceil(hh / 150), hh // 50
        n = int(np.clip(round(hh / rng.uniform(70, 120)), lo_n, hi_n))
        parts = split_total(hh, n, 50, 150, rng)
        name = namer.name(["{w} " + x for x in MID_SUFFIX])
    for reg, h in zip(block.guillotine(region, n, rng), parts):
        block.cells.append(dict(region=reg, kind=kind, hh=h, compound=name))


def add_lowrise(block, region, n, namer, rng):
    base = namer.name(["{w} " + x for x in LOW_SUFFIX])
    regs = block.guillotine(region, n, rng)
    for k, reg in enumerate(regs):
        name = base if n == 1 else "%s %d" % (base, k + 1)
        block.cells.append(dict(region=reg, kind="low_rise", hh=lowrise_hh(rng), compound=name))


def add_nonres(block, region, what, namer, rng):
    name = namer.name(NONRES_NAMES[what])
    block.cells.append(dict(region=region, kind="non_residential", hh=0, compound=name, what=what))


def plan_blocks(blocks, west_cols, rng):
    namer = Namer(rng)
    edge = [b for b in blocks if b.i in (0, NCOLS - 1) or b.j in (0, NROWS - 1)]
    prog = {}

    def choose(cands, weights):
        cands = [b for b in cands if (b.i, b.j) not in prog]
        w = np.array([weights(b) for b in cands], dtype=float)
        return cands[int(rng.choice(len(cands), p=w / w.sum()))]

    dmax = math.hypot(WIDTH_M / 2, HEIGHT_M / 2)
    ctr = (np.mean([b.cx for b in blocks]), np.mean([b.cy for b in blocks]))

    def central(b):
        return 0.15 + (1 - math.hypot(b.cx - ctr[0], b.cy - ctr[1]) / dmax) ** 2

    for west in (True, False):
        half = [b for b in blocks if (b.i < west_cols) == west]
        big = [b for b in half if b.area >= 60000]
        prog[choose(big, central).ij] = "H"
        for _ in range(2):
            prog[choose(half, central).ij] = "M"
        prog[choose(half, lambda b: 1.0).ij] = "N:park"
        prog[choose(half, lambda b: 1.0).ij] = "N:school"
    for _ in range(int(rng.integers(2, 4))):
        prog[choose(edge, lambda b: 1.0).ij] = "N:factory"
    prog[choose(blocks, central).ij] = "N:hospital"

    for b in blocks:
        p = prog.get(b.ij, "L")
        full = (0.0, 1.0, 0.0, 1.0)
        if p == "H":
            add_compound(b, full, "high_rise", namer, rng)
        elif p == "M":
            if rng.random() < 0.5:
                add_compound(b, full, "mid_rise", namer, rng)
            else:
                frac = float(rng.uniform(0.55, 0.75))
                a, rest = b.split_two(frac, rng)
                if rng.random() < 0.5:
                    a, rest = rest, a
                add_compound(b, a, "mid_rise", namer, rng)
                if rng.random() < 0.3:
                    add_nonres(b, rest, namer.pick(["school", "market", "hospital"]), namer, rng)
                else:
                    add_lowrise(b, rest, int(rng.integers(1, 3)), namer, rng)
        elif p.startswith("N:"):
            add_nonres(b, full, p[2:], namer, rng)
        else:
            n = int(np.clip(round(b.area / 24000.0 * rng.uniform(0.8, 1.25)), 2, 6))
            if rng.random() < 0.2 and n >= 3:
                # a small market / clinic / kindergarten on one side of the block
                frac = float(rng.uniform(0.2, 0.3))
                a, rest = b.split_two(frac, rng)
                if rng.random() < 0.5:
                    a, rest = rest, a
                add_nonres(b, a, namer.pick(["market", "hospital", "school", "park"]), namer, rng)
                add_lowrise(b, rest, n - 1, namer, rng)
            else:
                add_lowrise(b, full, n, namer, rng)


# --------------------------------------------------------------------------
# Topology: node all edges and polygonize
# --------------------------------------------------------------------------
def build_faces(nodes, blocks):
    lines = []
    for i in range(NCOLS + 1):
        for j in range(NROWS + 1):
            if i < NCOLS:
                lines.append(LineString([tuple(nodes[i, j]), tuple(nodes[i + 1, j])]))
            if j < NROWS:
                lines.append(LineString([tuple(nodes[i, j]), tuple(nodes[i, j + 1])]))
    for b in blocks:
        for (ua, va), (ub, vb) in b.cuts:
            a = np.array(b.F(ua, va))
            c = np.array(b.F(ub, vb))
            e = (c - a) / np.hypot(*(c - a))
            a = a - CUT_EXTEND_M * e
            c = c + CUT_EXTEND_M * e
            lines.append(LineString([tuple(a), tuple(c)]))
    noded = unary_union(lines)
    faces = [orient(f, 1.0) for f in polygonize(geoms_of(noded))]
    return faces


def match_faces(faces, blocks):
    """Attach each polygonized face to the planned cell it realises."""
    cell_list = []
    for b in blocks:
        for k, c in enumerate(b.cells):
            cell_list.append((b, k, b.cell_poly(c["region"])))
    check(len(faces) == len(cell_list),
          "polygonize produced %d faces for %d planned cells" % (len(faces), len(cell_list)))
    block_prep = [(b, prep(b.poly)) for b in blocks]
    cells_by_block = {}
    for b, k, poly in cell_list:
        cells_by_block.setdefault(b.ij, []).append((k, poly, prep(poly)))
    taken = {}
    for f in faces:
        rp = f.representative_point()
        owner = [b for b, pp in block_prep if pp.contains(rp)]
        check(len(owner) == 1, "face not inside exactly one block")
        b = owner[0]
        hits = [(k, poly) for k, poly, pp in cells_by_block[b.ij] if pp.contains(rp)]
        check(len(hits) == 1, "face not inside exactly one planned cell")
        k, poly = hits[0]
        check((b.ij, k) not in taken, "two faces for one planned cell")
        check(abs(f.area - poly.area) / poly.area < 1e-6, "face area differs from planned cell")
        taken[(b.ij, k)] = f
    return taken


# --------------------------------------------------------------------------
# Communities: recursive weighted bisection of the block grid
# --------------------------------------------------------------------------
def connected(cells):
    cells = set(cells)
    if not cells:
        return False
    start = min(cells)
    seen, stack = {start}, [start]
    while stack:
        i, j = stack.pop()
        for nb in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):
            if nb in cells and nb not in seen:
                seen.add(nb)
                stack.append(nb)
    return len(seen) == len(cells)


def aspect(cells):
    ii = [c[0] for c in cells]
    jj = [c[1] for c in cells]
    w, h = max(ii) - min(ii) + 1, max(jj) - min(jj) + 1
    return max(w, h) / min(w, h)


def bisect(cells, nparts, weight):
    if nparts == 1:
        return [sorted(cells)]
    total = sum(weight[c] for c in cells)
    na = nparts // 2
    best = None
    cols = sorted({c[0] for c in cells})
    rows = sorted({c[1] for c in cells})
    for axis in (0, 1):
        along = cols if axis == 0 else rows
        other = rows if axis == 0 else cols
        for t in other + [other[-1] + 1]:
            for c1 in along[1:]:
                for c2 in along[1:]:
                    if t == other[0] and c1 != along[1]:
                        continue   # top part empty: c1 irrelevant, skip duplicates
                    a = [c for c in cells if c[axis] < (c1 if c[1 - axis] < t else c2)]
                    sa = set(a)
                    b = [c for c in cells if c not in sa]
                    if not a or not b or not connected(a) or not connected(b):
                        continue
                    wa = sum(weight[c] for c in a)
                    for n_a in {na, nparts - na}:
                        n_b = nparts - n_a
                        score = abs(wa - total * n_a / nparts) / total
                        score += 0.01 * (c1 != c2)
                        score += 0.03 * max(0.0, aspect(a) - 2.5) + 0.03 * max(0.0, aspect(b) - 2.5)
                        if len(a) < n_a or len(b) < n_b:
                            continue
                        key = (score, axis, t, c1, c2, n_a)
                        if best is None or key < best[0]:
                            best = (key, a, b, n_a, n_b)
    if best is None:
        raise Redraw("no admissible bisection")
    _, a, b, n_a, n_b = best
    return bisect(a, n_a, weight) + bisect(b, n_b, weight)


# --------------------------------------------------------------------------
# Existing (unbalanced) grid plan
# --------------------------------------------------------------------------
def grow_plan(units_in_comm, adj, hh, cen, rng):
    un = set(units_in_comm)
    grids = []
    while un:
        r = rng.random()
        if r < 0.30:
            target = rng.uniform(140, 230)
        elif r < 0.55:
            target = rng.uniform(300, 480)
        else:
            target = rng.uniform(620, 880)
        seed = max(sorted(un), key=lambda u: cen[u][1] - 0.5 * cen[u][0])
        grid, total = [seed], hh[seed]
        un.discard(seed)
        while total < target:
            cands = sorted({n for g in grid for n in adj[g] if n in un})
            if not cands:
                break
            c = min(cands, key=lambda u: (math.hypot(cen[u][0] - cen[seed][0],
                                                     cen[u][1] - cen[seed][1]), u))
            if total + hh[c] > target + 60 and total >= 0.75 * target:
                break
            grid.append(c)
            total += hh[c]
            un.discard(c)
        grids.append(grid)

    def gh(g):
        return sum(hh[u] for u in g)

    # merge grids that are too small (or purely non-residential) into a neighbour
    while True:
        small = [k for k, g in enumerate(grids) if gh(g) < 130]
        if not small:
            break
        k = min(small, key=lambda k: (gh(grids[k]), k))
        members = set(grids[k])
        nbrs = sorted({m for m, g in enumerate(grids) if m != k
                       and any(n in members for u in g for n in adj[u])})
        check(nbrs, "isolated existing grid")
        fit = [m for m in nbrs if gh(grids[m]) + gh(grids[k]) <= 920]
        m = min(fit or nbrs, key=lambda m: (gh(grids[m]), m))
        grids[m] = grids[m] + grids[k]
        del grids[k]
    return grids


# --------------------------------------------------------------------------
# Random points
# --------------------------------------------------------------------------
def random_point_in(poly, rng, inner=CASE_INNER_BUFFER_M):
    core = poly.buffer(-inner)
    check(not core.is_empty, "unit too small for inner buffer")
    pc = prep(core)
    minx, miny, maxx, maxy = core.bounds
    for _ in range(10000):
        x = float(rng.uniform(minx, maxx))
        y = float(rng.uniform(miny, maxy))
        p = Point(x, y)
        if pc.contains(p):
            return p
    raise RuntimeError("rejection sampling failed")


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------
def out_srs():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(OUT_EPSG)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def write_gpkg(path, layer_name, geom_type, fields, rows, description, spatial_index=True):
    """fields: list of (name, ogr type); rows: list of (shapely geom in EPSG:4490, dict)."""
    drv = ogr.GetDriverByName("GPKG")
    if os.path.exists(path):
        drv.DeleteDataSource(path)
    ds = drv.CreateDataSource(path)
    lyr = ds.CreateLayer(layer_name, out_srs(), geom_type,
                         options=["FID=fid", "GEOMETRY_NAME=geom",
                                  "SPATIAL_INDEX=" + ("YES" if spatial_index else "NO"),
                                  "DESCRIPTION=" + description])
    for name, typ in fields:
        lyr.CreateField(ogr.FieldDefn(name, typ))
    defn = lyr.GetLayerDefn()
    lyr.StartTransaction()
    for geom, attrs in rows:
        feat = ogr.Feature(defn)
        for name, _ in fields:
            feat.SetField(name, attrs[name])
        feat.SetGeometry(ogr.CreateGeometryFromWkb(shapely_wkb.dumps(geom)))
        lyr.CreateFeature(feat)
    lyr.CommitTransaction()
    ds = None
    # Shrink the file: SQLite pages of 1 KiB instead of 4 KiB, then compact.
    con = sqlite3.connect(path)
    con.isolation_level = None
    con.execute("PRAGMA page_size=1024")
    con.execute("VACUUM")
    con.close()


def read_gpkg(path):
    ds = ogr.Open(path)
    check(ds is not None and ds.GetLayerCount() == 1, "cannot read back " + path)
    lyr = ds.GetLayer(0)
    srs = lyr.GetSpatialRef()
    check(srs is not None and srs.GetAuthorityCode(None) == str(OUT_EPSG),
          path + ": layer CRS is not EPSG:%d" % OUT_EPSG)
    out = []
    for feat in lyr:
        g = shapely_wkb.loads(bytes(feat.GetGeometryRef().ExportToWkb()))
        out.append((g, feat.items()))
    name = lyr.GetName()
    ds = None
    return name, out


# --------------------------------------------------------------------------
# Main generation
# --------------------------------------------------------------------------
def generate(rng, cx, cy):
    nodes, xs = draw_road_grid(rng, cx, cy)
    west_cols = int(np.argmin(np.abs(xs))) if 0 < int(np.argmin(np.abs(xs))) < NCOLS else NCOLS // 2
    blocks = []
    for j in reversed(range(NROWS)):          # north to south
        for i in range(NCOLS):                # west to east
            b = Block(i, j, nodes)
            b.ij = (i, j)
            blocks.append(b)
    plan_blocks(blocks, west_cols, rng)

    n_units = sum(len(b.cells) for b in blocks)
    total_hh = sum(c["hh"] for b in blocks for c in b.cells)
    n_nonres = sum(c["kind"] == "non_residential" for b in blocks for c in b.cells)
    if not (300 <= n_units <= 600):
        raise Redraw("unit count %d" % n_units)
    if not (12000 <= total_hh <= 18000):
        raise Redraw("total households %d" % total_hh)
    if not (0.05 <= n_nonres / n_units <= 0.10):
        raise Redraw("non-residential share %.3f" % (n_nonres / n_units))

    # communities
    weight = {b.ij: sum(c["hh"] for c in b.cells) for b in blocks}
    comm_blocks = []   # (street index, list of block ij)
    for s, west in enumerate((True, False)):
        cells = [b.ij for b in blocks if (b.i < west_cols) == west]
        parts = bisect(cells, 5, weight)
        for p in parts:
            comm_blocks.append((s, p))
    for _, p in comm_blocks:
        h = sum(weight[c] for c in p)
        if not (900 <= h <= 2600 and grid_split_ok(h)):
            raise Redraw("community households %d" % h)

    return nodes, blocks, west_cols, comm_blocks


def main():
    out_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                              else os.path.dirname(os.path.abspath(__file__)))
    os.makedirs(out_dir, exist_ok=True)
    gdal.UseExceptions()
    ogr.UseExceptions()
    osr.UseExceptions()
    gdal.SetConfigOption("OGR_CURRENT_DATE", FIXED_GPKG_DATE)

    rng = np.random.default_rng(SEED)
    cx, cy = TO_METRIC.transform(CENTER_LON, CENTER_LAT)
    cx, cy = round(cx), round(cy)

    attempts = 0
    while True:
        attempts += 1
        check(attempts <= 200, "gave up after 200 draws")
        try:
            nodes, blocks, west_cols, comm_blocks = generate(rng, cx, cy)
            break
        except Redraw as e:
            print("redraw (attempt %d): %s" % (attempts, e))

    # ---- topology ------------------------------------------------------
    faces = build_faces(nodes, blocks)
    face_of = match_faces(faces, blocks)
    district = Polygon([tuple(nodes[i, 0]) for i in range(NCOLS + 1)]
                       + [tuple(nodes[NCOLS, j]) for j in range(1, NROWS + 1)]
                       + [tuple(nodes[i, NROWS]) for i in reversed(range(NCOLS))]
                       + [tuple(nodes[0, j]) for j in reversed(range(1, NROWS))])
    check(district.is_valid, "district outline invalid")

    # ---- communities: codes, names -----------------------------------
    comm_of_block = {}
    communities = []
    for s, (scode, sname, cnames) in enumerate(STREETS):
        mine = [p for st, p in comm_blocks if st == s]
        centroids = []
        for p in mine:
            u = unary_union([b.poly for b in blocks if b.ij in set(p)])
            centroids.append((u.centroid.x, u.centroid.y))
        order = sorted(range(len(mine)), key=lambda k: (-round(centroids[k][1] / 300.0), centroids[k][0]))
        for rank, k in enumerate(order):
            code = COUNTY + scode + "%03d" % (rank + 1)
            communities.append(dict(code=code, name=cnames[rank], street_code=COUNTY + scode,
                                    street=sname))
            for ij in mine[k]:
                comm_of_block[ij] = code

    # ---- units ---------------------------------------------------------
    units = []
    for b in blocks:                            # blocks are ordered north->south, west->east
        for k, c in enumerate(b.cells):
            hh = int(c["hh"])
            pop = int(round(hh * rng.uniform(2.2, 2.9))) if hh > 0 else 0
            units.append(dict(unit_id="U%04d" % (len(units) + 1), compound=c["compound"],
                              kind=c["kind"], hh=hh, pop=pop, community=comm_of_block[b.ij],
                              geom=face_of[(b.ij, k)]))
    uidx = {u["unit_id"]: n for n, u in enumerate(units)}
    check(len(uidx) == len(units), "unit ids not unique")
    for u in units:
        g = u["geom"]
        check(g.geom_type == "Polygon" and g.is_valid and not g.is_empty and g.area > 0,
              "bad unit polygon " + u["unit_id"])
        check(u["hh"] <= 220, "unit above 220 households")
        if u["kind"] == "non_residential":
            check(u["hh"] == 0 and u["pop"] == 0, "non-residential unit with households")
        else:
            check(u["hh"] > 0, "residential unit without households")

    compound_hh = {}
    for u in units:
        if u["kind"] in ("high_rise", "mid_rise"):
            key = (u["kind"], u["compound"])
            compound_hh[key] = compound_hh.get(key, 0) + u["hh"]
    for (kind, name), h in sorted(compound_hh.items()):
        lo, hi = (1000, 1800) if kind == "high_rise" else (300, 700)
        check(lo <= h <= hi, "%s compound %s has %d households" % (kind, name, h))

    unit_union = unary_union([u["geom"] for u in units])
    sum_area = sum(u["geom"].area for u in units)
    check(abs(sum_area - unit_union.area) / unit_union.area < 1e-9, "units overlap")
    check(abs(unit_union.symmetric_difference(district).area) / district.area < 1e-9,
          "units do not tile the district")
    check(unit_union.geom_type == "Polygon" and len(unit_union.interiors) == 0,
          "district union has holes or parts")

    for cm in communities:
        members = [u for u in units if u["community"] == cm["code"]]
        g = orient(unary_union([u["geom"] for u in members]), 1.0)
        check(g.geom_type == "Polygon" and g.is_valid, "community %s not a single valid polygon" % cm["code"])
        cm["geom"] = g
        cm["units"] = members
        cm["hh"] = sum(u["hh"] for u in members)
        cm["pop"] = sum(u["pop"] for u in members)
        check(900 <= cm["hh"] <= 2600 and grid_split_ok(cm["hh"]),
              "community %s households %d not splittable" % (cm["code"], cm["hh"]))
    comm_union = unary_union([cm["geom"] for cm in communities])
    check(abs(sum(cm["geom"].area for cm in communities) - comm_union.area) / comm_union.area < 1e-9,
          "communities overlap")
    check(unit_union.symmetric_difference(comm_union).area / unit_union.area < 1e-6,
          "union of units differs from union of communities")

    # ---- unit adjacency (shared edges) --------------------------------
    n = len(units)
    bounds = np.array([u["geom"].bounds for u in units])
    adj = {k: [] for k in range(n)}
    for a in range(n):
        for b in range(a + 1, n):
            if (bounds[a, 0] > bounds[b, 2] + 0.01 or bounds[b, 0] > bounds[a, 2] + 0.01 or
                    bounds[a, 1] > bounds[b, 3] + 0.01 or bounds[b, 1] > bounds[a, 3] + 0.01):
                continue
            shared = units[a]["geom"].boundary.intersection(units[b]["geom"].boundary).length
            if shared > 1.0:
                adj[a].append(b)
                adj[b].append(a)

    # ---- no T-junctions: a vertex of one unit lying on another unit's boundary
    #      must also be a vertex of that other unit (shared-vertex coverage) ----
    def vertex_set(g):
        return {(x, y) for ring in [g.exterior] + list(g.interiors) for x, y in ring.coords}

    def no_t_junctions(a_geom, b_geom):
        vb = vertex_set(b_geom)
        bb = b_geom.boundary
        for v in vertex_set(a_geom):
            if v not in vb and bb.distance(Point(v)) < 1e-6:
                return False
        return True

    verts = [vertex_set(u["geom"]) for u in units]
    for a in range(n):
        for b in adj[a]:
            check(no_t_junctions(units[a]["geom"], units[b]["geom"]),
                  "T-junction between %s and %s" % (units[a]["unit_id"], units[b]["unit_id"]))
    for cm in communities:
        cv = vertex_set(cm["geom"])
        cb = cm["geom"].boundary
        for u in cm["units"]:
            for v in verts[uidx[u["unit_id"]]]:
                if v not in cv:
                    check(cb.distance(Point(v)) > 1e-6,
                          "community %s boundary skips a unit vertex" % cm["code"])

    # ---- existing (unbalanced) plan -----------------------------------
    hh_of = {k: units[k]["hh"] for k in range(n)}
    cen = {}
    for k in range(n):
        c = units[k]["geom"].centroid
        cen[k] = (c.x, c.y)
    for attempt in range(100):
        grids = []
        for cm in communities:
            idx = [uidx[u["unit_id"]] for u in cm["units"]]
            local_adj = {k: [m for m in adj[k] if units[m]["community"] == cm["code"]] for k in idx}
            for g in grow_plan(idx, local_adj, hh_of, cen, rng):
                grids.append(dict(community=cm["code"], members=sorted(g)))
        sizes = [sum(hh_of[k] for k in g["members"]) for g in grids]
        if (100 <= min(sizes) <= 260 and 700 <= max(sizes) <= 950
                and sum(s <= 250 for s in sizes) >= 3 and sum(s >= 600 for s in sizes) >= 5):
            break
        print("redraw existing plan (attempt %d): min %d max %d" % (attempt + 1, min(sizes), max(sizes)))
    else:
        check(False, "could not draw an unbalanced existing plan")

    grid_of_unit = {}
    for cm in communities:
        mine = [g for g in grids if g["community"] == cm["code"]]
        for g in mine:
            geom = orient(unary_union([units[k]["geom"] for k in g["members"]]), 1.0)
            check(geom.geom_type == "Polygon" and geom.is_valid,
                  "existing grid is not a single valid polygon")
            g["geom"] = geom
            # contiguity through shared edges
            mem = set(g["members"])
            seen, stack = {g["members"][0]}, [g["members"][0]]
            while stack:
                x = stack.pop()
                for y in adj[x]:
                    if y in mem and y not in seen:
                        seen.add(y)
                        stack.append(y)
            check(seen == mem, "existing grid not edge-contiguous")
            gv, gb = vertex_set(geom), geom.boundary
            for m in g["members"]:
                for v in verts[m]:
                    if v not in gv:
                        check(gb.distance(Point(v)) > 1e-6, "existing grid boundary skips a unit vertex")
        mine.sort(key=lambda g: (-round(g["geom"].centroid.y / 150.0), g["geom"].centroid.x))
        for k, g in enumerate(mine):
            g["grid_id"] = "%s-G%02d" % (cm["code"], k + 1)
            g["hh"] = sum(units[m]["hh"] for m in g["members"])
            g["pop"] = sum(units[m]["pop"] for m in g["members"])
            for m in g["members"]:
                check(m not in grid_of_unit, "unit in two existing grids")
                grid_of_unit[m] = g["grid_id"]
        cm["grids"] = mine
    check(len(grid_of_unit) == n, "unit without an existing grid")
    grids = [g for cm in communities for g in cm["grids"]]

    # ---- cases ---------------------------------------------------------
    total_hh = sum(u["hh"] for u in units)
    n_cases = int(rng.poisson(0.25 * total_hh))
    res = [k for k in range(n) if units[k]["hh"] > 0]
    nonres = [k for k in range(n) if units[k]["hh"] == 0]
    p_res = np.array([units[k]["hh"] for k in res], dtype=float)
    p_res /= p_res.sum()
    days = []
    d = QUARTER_START
    while d <= QUARTER_END:
        days.append(d)
        d += datetime.timedelta(days=1)
    day_w = np.array([0.6 if x.weekday() >= 5 else 1.0 for x in days])
    day_w /= day_w.sum()
    cases = []
    for _ in range(n_cases):
        if nonres and rng.random() < 0.03:
            k = nonres[int(rng.integers(len(nonres)))]
        else:
            k = res[int(rng.choice(len(res), p=p_res))]
        pt = random_point_in(units[k]["geom"], rng)
        cat = CATEGORIES[int(rng.choice(len(CATEGORIES), p=CATEGORY_P))]
        day = days[int(rng.choice(len(days), p=day_w))]
        cases.append(dict(unit=k, geom=pt, category=cat, date=day.isoformat()))
    cases.sort(key=lambda c: c["date"])        # stable: same-day cases keep draw order
    for i, c in enumerate(cases):
        c["case_id"] = "C%06d" % (i + 1)
        check(units[c["unit"]]["geom"].buffer(-0.999).contains(c["geom"]),
              "case point not strictly inside its unit")

    # ---- workers -------------------------------------------------------
    used_names = set()

    def new_name():
        while True:
            nm = "%s %s" % (SURNAMES[int(rng.integers(len(SURNAMES)))], GIVEN[int(rng.integers(len(GIVEN)))])
            if nm not in used_names:
                used_names.add(nm)
                return nm

    workers = []
    for g in grids:
        fte = 0.5 if rng.random() < 0.08 else 1.0
        pt = random_point_in(g["geom"], rng, inner=2.0)
        workers.append(dict(community=g["community"], grids=g["grid_id"], fte=fte, pt=pt))
    for _ in range(2):
        cm = communities[int(rng.integers(len(communities)))]
        u = cm["units"][int(rng.integers(len(cm["units"])))]
        workers.append(dict(community=cm["code"], grids="", fte=1.0,
                            pt=random_point_in(u["geom"], rng, inner=2.0)))
    for i, w in enumerate(workers):
        w["worker_id"] = "W%03d" % (i + 1)
        w["name"] = new_name()
        lon, lat = TO_GEO.transform(w["pt"].x, w["pt"].y)
        w["lon"], w["lat"] = round(lon, 7), round(lat, 7)

    # ---- write ---------------------------------------------------------
    S, I = ogr.OFTString, ogr.OFTInteger
    paths = {k: os.path.join(out_dir, k) for k in
             ("units.gpkg", "communities.gpkg", "cases.gpkg", "existing_plan.gpkg",
              "existing_plan.csv", "workers.csv")}
    write_gpkg(paths["units.gpkg"], "units", ogr.wkbPolygon,
               [("unit_id", S), ("compound", S), ("kind", S), ("hh", I), ("pop", I), ("community", S)],
               [(to_geo(u["geom"]), u) for u in units],
               "Synthetic gridplan demo: basic units (residential buildings/compounds/lanes)")
    write_gpkg(paths["communities.gpkg"], "communities", ogr.wkbPolygon,
               [("code", S), ("name", S), ("street_code", S), ("street", S)],
               [(to_geo(cm["geom"]), cm) for cm in communities],
               "Synthetic gridplan demo: community boundaries")
    write_gpkg(paths["cases.gpkg"], "cases", ogr.wkbPoint,
               [("case_id", S), ("category", S), ("date", S)],
               [(to_geo(c["geom"]), c) for c in cases],
               "Synthetic gridplan demo: service cases 2026-07-01..2026-09-30",
               spatial_index=False)   # 4k points: an R-tree would double the file size
    write_gpkg(paths["existing_plan.gpkg"], "grids", ogr.wkbPolygon,
               [("grid_id", S), ("community", S), ("households", I), ("population", I)],
               [(to_geo(g["geom"]), dict(grid_id=g["grid_id"], community=g["community"],
                                         households=g["hh"], population=g["pop"])) for g in grids],
               "Synthetic gridplan demo: existing (unbalanced) grid plan")
    with open(paths["existing_plan.csv"], "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["unit_id", "grid_id"])
        for k in range(n):
            wr.writerow([units[k]["unit_id"], grid_of_unit[k]])
    with open(paths["workers.csv"], "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["worker_id", "name", "community", "grids", "fte", "lon", "lat"])
        for w in workers:
            wr.writerow([w["worker_id"], w["name"], w["community"], w["grids"],
                         "%.1f" % w["fte"], "%.7f" % w["lon"], "%.7f" % w["lat"]])

    # ---- read back and verify in EPSG:4490 ----------------------------
    name, u_rows = read_gpkg(paths["units.gpkg"])
    check(name == "units" and len(u_rows) == n, "units.gpkg read-back")
    name, c_rows = read_gpkg(paths["communities.gpkg"])
    check(name == "communities" and len(c_rows) == len(communities), "communities.gpkg read-back")
    name, k_rows = read_gpkg(paths["cases.gpkg"])
    check(name == "cases" and len(k_rows) == len(cases), "cases.gpkg read-back")
    name, g_rows = read_gpkg(paths["existing_plan.gpkg"])
    check(name == "grids" and len(g_rows) == len(grids), "existing_plan.gpkg read-back")
    for g, _ in u_rows + c_rows + g_rows:
        check(g.geom_type == "Polygon" and g.is_valid and not g.is_empty, "invalid polygon after reprojection")
    gu = unary_union([g for g, _ in u_rows])
    gc = unary_union([g for g, _ in c_rows])
    check(gu.symmetric_difference(gc).area / gu.area < 1e-6, "EPSG:4490 unions differ")
    check(abs(sum(g.area for g, _ in u_rows) - gu.area) / gu.area < 1e-9, "EPSG:4490 units overlap")
    u_geo = {a["unit_id"]: prep(g) for g, a in u_rows}
    for (g, a), c in zip(k_rows, cases):
        check(u_geo[units[c["unit"]]["unit_id"]].contains(g), "EPSG:4490 case not inside its unit")
    c_geo = {a["code"]: prep(g) for g, a in c_rows}
    for w in workers:
        check(c_geo[w["community"]].contains(Point(w["lon"], w["lat"])), "worker base outside community")
    lon0, lat0, lon1, lat1 = gu.bounds
    check(129.5 < lon0 < lon1 < 129.7 and 44.5 < lat0 < lat1 < 44.7, "district not near Mudanjiang")

    # ---- summary ---------------------------------------------------------
    cases_per_comm = {}
    for c in cases:
        cc = units[c["unit"]]["community"]
        cases_per_comm[cc] = cases_per_comm.get(cc, 0) + 1
    print("gridplan demo district  seed=%d  draws=%d  out=%s" % (SEED, attempts, out_dir))
    print("district bounds lon %.5f..%.5f lat %.5f..%.5f (EPSG:4490); area %.2f km2"
          % (lon0, lon1, lat0, lat1, district.area / 1e6))
    hdr = "%-12s %-10s %5s %6s %6s %5s %5s %6s %6s" % (
        "code", "name", "units", "hh", "pop", "cases", "grids", "g_min", "g_max")
    print(hdr)
    print("-" * len(hdr))
    for cm in communities:
        gs = [g["hh"] for g in cm["grids"]]
        name_pad = cm["name"] + "\u3000" * max(0, 5 - len(cm["name"]))
        print("%-12s %s %5d %6d %6d %5d %5d %6d %6d" % (
            cm["code"], name_pad, len(cm["units"]), cm["hh"], cm["pop"],
            cases_per_comm.get(cm["code"], 0), len(gs), min(gs), max(gs)))
    print("-" * len(hdr))
    gs = [g["hh"] for g in grids]
    print("%-12s %-10s %5d %6d %6d %5d %5d %6d %6d" % (
        "TOTAL", "", n, total_hh, sum(u["pop"] for u in units), len(cases), len(grids), min(gs), max(gs)))
    kinds = {}
    for u in units:
        kinds[u["kind"]] = kinds.get(u["kind"], 0) + 1
    print("units by kind: " + ", ".join("%s=%d" % (k, kinds[k]) for k in sorted(kinds)))
    cats = {}
    for c in cases:
        cats[c["category"]] = cats.get(c["category"], 0) + 1
    print("cases by category: " + ", ".join("%s=%d" % (k, cats[k]) for k in CATEGORIES))
    print("workers: %d (%d with fte 0.5, %d spare)" % (
        len(workers), sum(w["fte"] == 0.5 for w in workers), sum(w["grids"] == "" for w in workers)))
    print("all checks passed")


if __name__ == "__main__":
    main()
