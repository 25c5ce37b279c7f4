#!/usr/bin/python3
"""The usual Python stack doing what gridplan's spatial layer does, as the
baseline for bench/run-spatial: read and project the San Francisco layers,
repair, tessellate into hexagons clipped to the neighbourhoods (overlay),
area-weighted transfer of block-group population to the cells (overlay +
groupby), attach incidents (sjoin), rook adjacency (libpysal). Prints one
JSON line like bench_spatial. Debian packages only (python3-geopandas,
python3-libpysal).

usage: baseline_geopandas.py SHARED_DATASETS_DIR SIZE_M
       baseline_geopandas.py --units FILE
The second form is what gridplan does with units as atoms (no cells): read,
project to the UTM zone of the data, repair, rook adjacency.
"""
import json
import math
import resource
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import geopandas as gpd
import numpy as np
from libpysal.weights import Rook
from shapely.geometry import Polygon
from shapely.validation import make_valid


def hexes(bounds, size):
    """Pointy-top hexagons on the same lattice as gridplan's cells."""
    x0, y0, x1, y1 = bounds
    r = size / math.sqrt(3)
    dy = 1.5 * r
    polys = []
    for j in range(int(math.floor((y0 - r) / dy)) - 1, int(math.ceil((y1 + r) / dy)) + 2):
        cy = j * dy
        off = size / 2 if j % 2 else 0
        for i in range(int(math.floor(x0 / size)) - 1, int(math.ceil(x1 / size)) + 2):
            cx = i * size + off
            polys.append(Polygon([(cx + r * math.cos(math.pi / 2 + k * math.pi / 3),
                                   cy + r * math.sin(math.pi / 2 + k * math.pi / 3)) for k in range(6)]))
    return gpd.GeoDataFrame(geometry=polys)


def units_only(path):
    t = [time.perf_counter()]
    units = gpd.read_file(path)
    units = units.to_crs(units.estimate_utm_crs())
    bad = ~units.geometry.is_valid
    units.loc[bad, "geometry"] = units.loc[bad, "geometry"].apply(make_valid)
    t.append(time.perf_counter())
    w = Rook.from_dataframe(units, silence_warnings=True)
    t.append(time.perf_counter())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({
        "tool": "geopandas", "atoms": len(units), "edges": int(w.s0 / 2),
        "seconds": {"load_project_repair": round(t[1] - t[0], 3), "adjacency": round(t[2] - t[1], 3)},
        "total_s": round(t[2] - t[0], 3), "peak_rss_mb": round(peak, 1)}))


def main():
    if sys.argv[1] == "--units":
        return units_only(sys.argv[2])
    data, size = sys.argv[1], float(sys.argv[2])
    t = [time.perf_counter()]
    units = gpd.read_file(f"{data}/sf/SFCrime_blocks.shp")[["GEO_id2", "Population", "geometry"]]
    comms = gpd.read_file(f"{data}/sf/neighborhoods.geojson")[["nhood", "geometry"]]
    cases = gpd.read_file(f"{data}/sf/incidents_2012h2.gpkg", layer="incidents")[["Category", "geometry"]]
    crs = 32610
    units, comms, cases = units.to_crs(crs), comms.to_crs(crs), cases.to_crs(crs)
    for df in (units, comms):
        bad = ~df.geometry.is_valid
        df.loc[bad, "geometry"] = df.loc[bad, "geometry"].apply(make_valid)
    t.append(time.perf_counter())

    cells = hexes(comms.total_bounds, size)
    cells.crs = crs
    atoms = gpd.overlay(cells, comms, how="intersection", keep_geom_type=True)
    atoms["aid"] = np.arange(len(atoms))
    pieces = gpd.overlay(atoms[["aid", "geometry"]], units, how="intersection", keep_geom_type=True)
    pieces["a"] = pieces.geometry.area
    inside = pieces.groupby("GEO_id2")["a"].transform("sum")
    pieces["pop"] = pieces["Population"] * pieces["a"] / inside
    atoms["population"] = pieces.groupby("aid")["pop"].sum().reindex(atoms.aid).fillna(0).values
    t.append(time.perf_counter())

    joined = gpd.sjoin(cases, atoms[["aid", "geometry"]], how="inner", predicate="within")
    atoms["cases"] = joined.groupby("aid").size().reindex(atoms.aid).fillna(0).values
    t.append(time.perf_counter())

    w = Rook.from_dataframe(atoms, silence_warnings=True)
    t.append(time.perf_counter())

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({
        "tool": "geopandas", "size": size, "atoms": len(atoms), "edges": int(w.s0 / 2),
        "population": float(atoms.population.sum()), "cases_in_atoms": float(atoms.cases.sum()),
        "seconds": {"load_project_repair": round(t[1] - t[0], 3), "tessellate_apportion": round(t[2] - t[1], 3),
                    "cases": round(t[3] - t[2], 3), "adjacency": round(t[4] - t[3], 3)},
        "total_s": round(t[4] - t[0], 3), "peak_rss_mb": round(peak, 1)}))


if __name__ == "__main__":
    main()
