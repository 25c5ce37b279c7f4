/* gridplan compare: figures of several output folders side by side, and
 * where each plan differs from the first. Reads only what a run wrote:
 * report.json (json-c), the layers and assignments.csv (GDAL/OGR). */
#include <cpl_error.h>
#include <gdal.h>
#include <json-c/json.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

/* What one folder holds. */
typedef struct folder {
    json_object *report;
    int n_grids;
    char **grid_ids;
    OGRGeometryH *grid_geom;
    double *workload, *pp;
    int n_atoms;
    char **atom_ids, **atom_grid;
    double *atom_hh;
    OGRGeometryH *atom_geom;
    int *order;                  /* atoms sorted by id */
    int n_workers;
    char **worker_ids, **worker_grids;
    bool geographic;
} folder;

static void folder_free(folder *f)
{
    if (f->report)
        json_object_put(f->report);
    for (int i = 0; i < f->n_grids; i++) {
        free(f->grid_ids[i]);
        if (f->grid_geom && f->grid_geom[i])
            OGR_G_DestroyGeometry(f->grid_geom[i]);
    }
    free(f->grid_geom);
    for (int i = 0; i < f->n_atoms; i++) {
        free(f->atom_ids[i]), free(f->atom_grid[i]);
        if (f->atom_geom[i])
            OGR_G_DestroyGeometry(f->atom_geom[i]);
    }
    for (int i = 0; i < f->n_workers; i++)
        free(f->worker_ids[i]), free(f->worker_grids[i]);
    free(f->grid_ids), free(f->workload), free(f->pp), free(f->atom_ids), free(f->atom_grid), free(f->atom_hh);
    free(f->atom_geom), free(f->order), free(f->worker_ids), free(f->worker_grids);
    memset(f, 0, sizeof *f);
}

static json_object *jget(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A number, or NAN when absent or null. */
static double jnum(json_object *o)
{
    if (!o || !(json_object_is_type(o, json_type_double) || json_object_is_type(o, json_type_int)))
        return NAN;
    return json_object_get_double(o);
}

static const folder *g_sort_folder;

static int cmp_atom(const void *a, const void *b)
{
    return strcmp(g_sort_folder->atom_ids[*(const int *)a], g_sort_folder->atom_ids[*(const int *)b]);
}

/* The layer NAME of a folder: NAME.gpkg, else NAME.shp (formats = shp). */
static OGRLayerH open_layer_of(gp_ctx *ctx, const char *dir, const char *layer, GDALDatasetH *ds, gp_status *st)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.gpkg", dir, layer);
    *ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!*ds) {
        snprintf(path, sizeof path, "%s/%s.shp", dir, layer);
        *ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    }
    OGRLayerH l = *ds ? GDALDatasetGetLayerByName(*ds, layer) : NULL;
    if (!l) {
        *st = gp_fail(ctx, GP_ERR_INPUT, "%s/%s.gpkg (or .shp): cannot read layer '%s': is %s the output folder of "
                      "gridplan run?", dir, layer, layer, dir);
        if (*ds)
            GDALClose(*ds);
        *ds = NULL;
    }
    return l;
}

static int field(OGRLayerH l, const char *name)
{
    return OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), name);
}

static gp_status folder_read(gp_ctx *ctx, const char *dir, bool geometry, folder *f)
{
    memset(f, 0, sizeof *f);
    char path[4200];
    snprintf(path, sizeof path, "%s/report.json", dir);
    f->report = json_object_from_file(path);
    if (f->report && !json_object_is_type(f->report, json_type_object)) {
        json_object_put(f->report);
        f->report = NULL;
    }
    if (!f->report)
        return gp_fail(ctx, GP_ERR_INPUT, "%s: cannot read it as JSON: is %s the output folder of gridplan run?", path,
                       dir);
    gp_status st = GP_OK;
    GDALDatasetH ds;
    OGRLayerH l = open_layer_of(ctx, dir, "grids", &ds, &st);
    if (!l)
        return st;
    int cap = (int)OGR_L_GetFeatureCount(l, 1) + 1;
    f->grid_ids = calloc((size_t)cap, sizeof *f->grid_ids);
    f->workload = calloc((size_t)cap, sizeof *f->workload);
    f->pp = calloc((size_t)cap, sizeof *f->pp);
    f->grid_geom = calloc((size_t)cap, sizeof *f->grid_geom);
    int gi = field(l, "grid_id"), wi = field(l, "workload"), pi = field(l, "polsby_popper");
    if (pi < 0)
        pi = field(l, "polsby_pp"); /* the shapefile's name */
    if (gi < 0 || wi < 0 || pi < 0)
        st = gp_fail(ctx, GP_ERR_INPUT, "%s: the grids layer lacks grid_id, workload or polsby_popper", dir);
    OGRFeatureH ft;
    while (!st && f->grid_ids && f->workload && f->pp && f->grid_geom && (ft = OGR_L_GetNextFeature(l))) {
        if (f->n_grids < cap) {
            OGRGeometryH g = OGR_F_GetGeometryRef(ft);
            f->grid_geom[f->n_grids] = geometry && g ? OGR_G_Clone(g) : NULL;
            f->grid_ids[f->n_grids] = gp_strdup(OGR_F_GetFieldAsString(ft, gi));
            f->workload[f->n_grids] = OGR_F_GetFieldAsDouble(ft, wi);
            f->pp[f->n_grids++] = OGR_F_GetFieldAsDouble(ft, pi);
        }
        OGR_F_Destroy(ft);
    }
    GDALClose(ds);
    if (st)
        return st;
    if (!(l = open_layer_of(ctx, dir, "atoms", &ds, &st)))
        return st;
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(l);
    f->geographic = srs && OSRIsGeographic(srs);
    cap = (int)OGR_L_GetFeatureCount(l, 1) + 1;
    f->atom_ids = calloc((size_t)cap, sizeof *f->atom_ids);
    f->atom_grid = calloc((size_t)cap, sizeof *f->atom_grid);
    f->atom_hh = calloc((size_t)cap, sizeof *f->atom_hh);
    f->atom_geom = calloc((size_t)cap, sizeof *f->atom_geom);
    f->order = calloc((size_t)cap, sizeof *f->order);
    int ai = field(l, "atom_id"), agi = field(l, "grid_id"), hi = field(l, "households");
    if (ai < 0 || agi < 0 || hi < 0)
        st = gp_fail(ctx, GP_ERR_INPUT, "%s: the atoms layer lacks atom_id, grid_id or households", dir);
    if (!f->atom_ids || !f->atom_grid || !f->atom_hh || !f->atom_geom || !f->order)
        st = GP_ERR_NOMEM;
    while (!st && (ft = OGR_L_GetNextFeature(l))) {
        if (f->n_atoms < cap) {
            int k = f->n_atoms++;
            f->atom_ids[k] = gp_strdup(OGR_F_GetFieldAsString(ft, ai));
            f->atom_grid[k] = gp_strdup(OGR_F_GetFieldAsString(ft, agi));
            f->atom_hh[k] = OGR_F_GetFieldAsDouble(ft, hi);
            OGRGeometryH g = OGR_F_GetGeometryRef(ft);
            f->atom_geom[k] = geometry && g ? OGR_G_Clone(g) : NULL;
            f->order[k] = k;
        }
        OGR_F_Destroy(ft);
    }
    GDALClose(ds);
    if (st)
        return st;
    g_sort_folder = f;
    qsort(f->order, (size_t)f->n_atoms, sizeof *f->order, cmp_atom);
    /* the roster's grids, when there is one */
    snprintf(path, sizeof path, "%s/assignments.csv", dir);
    ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (ds) {
        l = GDALDatasetGetLayer(ds, 0);
        int wi2 = l ? field(l, "worker_id") : -1, gi2 = l ? field(l, "grids") : -1;
        cap = l ? (int)OGR_L_GetFeatureCount(l, 1) + 1 : 1;
        f->worker_ids = calloc((size_t)cap, sizeof *f->worker_ids);
        f->worker_grids = calloc((size_t)cap, sizeof *f->worker_grids);
        while (wi2 >= 0 && gi2 >= 0 && f->worker_ids && f->worker_grids && (ft = OGR_L_GetNextFeature(l))) {
            if (f->n_workers < cap) {
                f->worker_ids[f->n_workers] = gp_strdup(OGR_F_GetFieldAsString(ft, wi2));
                f->worker_grids[f->n_workers++] = gp_strdup(OGR_F_GetFieldAsString(ft, gi2));
            }
            OGR_F_Destroy(ft);
        }
        GDALClose(ds);
    }
    return GP_OK;
}

/* Atom index in f with this id, or -1 (binary search on order). */
static int atom_find(const folder *f, const char *id)
{
    int lo = 0, hi = f->n_atoms - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(f->atom_ids[f->order[mid]], id);
        if (c == 0)
            return f->order[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static int grid_find(const folder *f, const char *id)
{
    for (int i = 0; i < f->n_grids; i++)
        if (strcmp(f->grid_ids[i], id) == 0)
            return i;
    return -1;
}

/* Each atom of a: its index in b (-1 when b lacks it). */
static int *atom_map(const folder *a, const folder *b)
{
    int *m = malloc(((size_t)a->n_atoms + 1) * sizeof *m);
    for (int i = 0; m && i < a->n_atoms; i++)
        m[i] = atom_find(b, a->atom_ids[i]);
    return m;
}

/* Grid index of every atom of f (-1 for an id the grids layer lacks). */
static int *atom_grid_index(const folder *f)
{
    int *g = malloc(((size_t)f->n_atoms + 1) * sizeof *g);
    for (int i = 0; g && i < f->n_atoms; i++)
        g[i] = grid_find(f, f->atom_grid[i]);
    return g;
}

/* Households of atoms whose grid in b is not the match of their grid in a:
 * grids are matched one to one by shared households (gp_match_labels, as a
 * run matches its plan with the plan in force). changed[j] marks the atoms of
 * b. -1 when the folders do not hold the same atoms. */
static double moved_between(const folder *a, const folder *b, char *changed)
{
    if (a->n_atoms != b->n_atoms)
        return -1;
    int na = a->n_atoms;
    int *map = atom_map(a, b), *ga = atom_grid_index(a), *gb = atom_grid_index(b);
    int *lb = malloc(((size_t)na + 1) * sizeof *lb), *match = malloc(((size_t)b->n_grids + 1) * sizeof *match);
    double moved = -1;
    if (!map || !ga || !gb || !lb || !match)
        goto out;
    for (int i = 0; i < na; i++) {
        if (map[i] < 0)
            goto out;
        lb[i] = gb[map[i]];
    }
    if (!gp_match_labels(na, ga, lb, a->atom_hh, a->n_grids, b->n_grids, match))
        goto out;
    moved = 0;
    for (int i = 0; i < na; i++) {
        bool ch = ga[i] < 0 || lb[i] < 0 || match[lb[i]] != ga[i];
        if (changed)
            changed[map[i]] = ch;
        moved += ch ? a->atom_hh[i] : 0;
    }
out:
    free(map), free(ga), free(gb), free(lb), free(match);
    return moved;
}

/* Marks in mark (n_grids of f) the grids of a ';'-separated list. */
static void mark_grids(const folder *f, const char *list, char *mark)
{
    memset(mark, 0, (size_t)f->n_grids + 1);
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ";");
        for (int g = 0; g < f->n_grids; g++)
            if (strlen(f->grid_ids[g]) == len && strncmp(f->grid_ids[g], p, len) == 0)
                mark[g] = 1;
        p += len + (p[len] == ';');
    }
}

/* Workers whose duty changed from a to b: less than half of the households
 * of their grids in either run are in both (new workers count as
 * changed). -1 unknown. */
static int workers_changed(const folder *a, const folder *b)
{
    if (a->n_workers == 0 || b->n_workers == 0 || a->n_atoms != b->n_atoms)
        return -1;
    int *map = atom_map(a, b), *ga = atom_grid_index(a), *gb = atom_grid_index(b);
    char *ma = malloc((size_t)a->n_grids + 1), *mb = malloc((size_t)b->n_grids + 1);
    int changed = -1;
    if (!map || !ga || !gb || !ma || !mb)
        goto out;
    for (int i = 0; i < a->n_atoms; i++)
        if (map[i] < 0)
            goto out;
    changed = 0;
    for (int w = 0; w < b->n_workers; w++) {
        int v = -1;
        for (int k = 0; k < a->n_workers && v < 0; k++)
            if (strcmp(a->worker_ids[k], b->worker_ids[w]) == 0)
                v = k;
        if (v < 0) {
            changed++;
            continue;
        }
        mark_grids(a, a->worker_grids[v], ma);
        mark_grids(b, b->worker_grids[w], mb);
        double both = 0, any = 0;
        for (int i = 0; i < a->n_atoms; i++) {
            bool in_a = ga[i] >= 0 && ma[ga[i]], in_b = gb[map[i]] >= 0 && mb[gb[map[i]]];
            both += in_a && in_b ? a->atom_hh[i] : 0;
            any += in_a || in_b ? a->atom_hh[i] : 0;
        }
        changed += any > 0 && both < 0.5 * any;
    }
out:
    free(map), free(ga), free(gb), free(ma), free(mb);
    return changed;
}

static void row_fill(const char *dir, const folder *f, gp_compare_row *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    json_object *sc = jget(f->report, "scenario");
    snprintf(r->scenario, sizeof r->scenario, "%s",
             sc && json_object_is_type(sc, json_type_string) ? json_object_get_string(sc) : "");
    r->grids = f->n_grids;
    json_object *cs = jget(f->report, "communities");
    r->communities = cs && json_object_is_type(cs, json_type_array) ? (int)json_object_array_length(cs) : 0;
    r->max_gap = -1;
    for (int c = 0; c < r->communities; c++) {
        json_object *cm = json_object_array_get_idx(cs, (size_t)c);
        json_object *stt = jget(cm, "status");
        r->communities_infeasible += stt && json_object_is_type(stt, json_type_string) &&
                                     (strcmp(json_object_get_string(stt), "infeasible") == 0 ||
                                      strcmp(json_object_get_string(stt), "not_found") == 0);
        double g = jnum(jget(cm, "gap"));
        if (isfinite(g))
            r->max_gap = fmax(r->max_gap, g);
    }
    double mn = INFINITY, mx = -INFINITY, s = 0, s2 = 0, pp = 0;
    for (int g = 0; g < f->n_grids; g++) {
        double w = f->workload[g];
        mn = fmin(mn, w), mx = fmax(mx, w), s += w, s2 += w * w, pp += f->pp[g];
    }
    int n = f->n_grids;
    double mean = n ? s / n : NAN;
    r->workload_min = n ? mn : -1;
    r->workload_max = n ? mx : -1;
    r->workload_ratio = n && mn > 0 ? mx / mn : -1;
    r->workload_cv = n && mean > 0 ? sqrt(fmax(0, s2 / n - mean * mean)) / mean : -1;
    r->polsby_popper_mean = n ? pp / n : -1;
    double hm = jnum(jget(jget(f->report, "existing_plan"), "households_moved"));
    r->households_moved_vs_existing = isfinite(hm) ? hm : -1;
    json_object *w = jget(f->report, "workers");
    double nw = jnum(jget(w, "workers"));
    r->workers = isfinite(nw) ? (int)nw : 0;
    double wr = jnum(jget(jget(jget(w, "workload_per_fte"), "after"), "max_min_ratio"));
    r->workload_per_fte_ratio = isfinite(wr) ? wr : -1;
    double el = jnum(jget(f->report, "elapsed_s"));
    r->elapsed_s = isfinite(el) ? el : -1;
    r->households_moved_vs_first = -1;
    r->workers_changed_vs_first = -1;
}

/* ---- the HTML: table and maps of where each plan differs from the first -- */

static void ogr_rings(FILE *o, OGRGeometryH g, double x0, double y1, double sx, double sy)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbLinearRing || t == wkbLineString) {
        int n = OGR_G_GetPointCount(g);
        for (int i = 0; i + 1 < n; i++)
            fprintf(o, "%c%.1f %.1f", i ? 'L' : 'M', (OGR_G_GetX(g, i) - x0) * sx, (y1 - OGR_G_GetY(g, i)) * sy);
        fputc('Z', o);
        return;
    }
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
        ogr_rings(o, OGR_G_GetGeometryRef(g, i), x0, y1, sx, sy);
}

static void diff_map(FILE *o, const folder *b, const char *changed)
{
    OGREnvelope env = {INFINITY, -INFINITY, INFINITY, -INFINITY}, e;
    for (int i = 0; i < b->n_atoms; i++)
        if (b->atom_geom[i]) {
            OGR_G_GetEnvelope(b->atom_geom[i], &e);
            env.MinX = fmin(env.MinX, e.MinX), env.MaxX = fmax(env.MaxX, e.MaxX);
            env.MinY = fmin(env.MinY, e.MinY), env.MaxY = fmax(env.MaxY, e.MaxY);
        }
    if (!(env.MaxX > env.MinX && env.MaxY > env.MinY))
        return;
    /* lon/lat: shrink x by cos(latitude) so shapes keep their proportions */
    double k = b->geographic ? cos((env.MinY + env.MaxY) / 2 * M_PI / 180) : 1;
    double W = 640, sx = W / (env.MaxX - env.MinX), sy = sx / k;
    double H = (env.MaxY - env.MinY) * sy;
    if (H > 900) {
        sy *= 900 / H, sx *= 900 / H;
        W *= 900 / H;
        H = 900;
    }
    fprintf(o, "<svg class=\"diff\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "xmlns=\"http://www.w3.org/2000/svg\">\n", W, H, W, H);
    for (int i = 0; i < b->n_atoms; i++) {
        if (!b->atom_geom[i])
            continue;
        fprintf(o, "<path class=\"%s\" d=\"", changed && changed[i] ? "moved" : "same");
        ogr_rings(o, b->atom_geom[i], env.MinX, env.MaxY, sx, sy);
        fputs("\"><title>", o);
        gp_html_esc(o, b->atom_ids[i]);
        fputs(" &rarr; ", o);
        gp_html_esc(o, b->atom_grid[i]);
        fputs("</title></path>\n", o);
    }
    for (int g = 0; g < b->n_grids; g++)
        if (b->grid_geom[g]) {
            fputs("<path class=\"grid\" d=\"", o);
            ogr_rings(o, b->grid_geom[g], env.MinX, env.MaxY, sx, sy);
            fputs("\"/>\n", o);
        }
    fputs("</svg>\n", o);
}

static void cell(FILE *o, double v, const char *fmt)
{
    fputs("<td>", o);
    if (v < 0)
        fputs("&mdash;", o);
    else
        fprintf(o, fmt, v);
    fputs("</td>", o);
}

static gp_status compare(gp_ctx *ctx, const char *const *dirs, int n, const char *html_path, gp_compare_row *rows)
{
    if (!ctx || !dirs || n < 2 || n > 26 || !rows)
        return GP_ERR_ARG;
    ctx->errmsg[0] = '\0';
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    folder *f = calloc((size_t)n, sizeof *f);
    char **changed = calloc((size_t)n, sizeof *changed);
    gp_status st = f && changed ? GP_OK : GP_ERR_NOMEM;
    for (int i = 0; i < n && !st; i++) {
        if ((st = folder_read(ctx, dirs[i], html_path != NULL, &f[i])))
            break;
        row_fill(dirs[i], &f[i], &rows[i]);
    }
    for (int i = 1; i < n && !st; i++) {
        changed[i] = calloc((size_t)f[i].n_atoms + 1, 1);
        if (!changed[i]) {
            st = GP_ERR_NOMEM;
            break;
        }
        rows[i].households_moved_vs_first = moved_between(&f[0], &f[i], changed[i]);
        rows[i].workers_changed_vs_first = workers_changed(&f[0], &f[i]);
    }
    if (!st && html_path) {
        FILE *o = fopen(html_path, "w");
        if (!o) {
            st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create", html_path);
        } else {
            fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>gridplan compare</title>"
                  "<style>body{font:14px/1.4 sans-serif;margin:24px auto;max-width:1100px;padding:0 16px}"
                  "table{border-collapse:collapse}th,td{padding:3px 10px;border-bottom:1px solid #e4e4e4;"
                  "text-align:right}th.l,td.l{text-align:left}th{background:#f4f4f4}"
                  "svg.diff path.same{fill:#e0e0e0;stroke:#fff;stroke-width:0.5}"
                  "svg.diff path.moved{fill:#d7301f;stroke:#fff;stroke-width:0.5}"
                  "svg.diff path.grid{fill:none;stroke:#222;stroke-width:1.2}svg.diff path{fill-rule:evenodd}"
                  "</style></head><body>\n<h1>Scenario comparison</h1>\n<table><thead><tr><th class=\"l\"></th>", o);
            for (int i = 0; i < n; i++) {
                fprintf(o, "<th class=\"l\">%c: ", 'A' + i);
                gp_html_esc(o, rows[i].dir);
                fputs("</th>", o);
            }
            fputs("</tr></thead><tbody>\n<tr><td class=\"l\">scenario</td>", o);
            for (int i = 0; i < n; i++) {
                fputs("<td class=\"l\">", o);
                gp_html_esc(o, rows[i].scenario);
                fputs("</td>", o);
            }
            static const char *const label[] = {"grids", "infeasible communities", "grid workload max/min",
                                                "grid workload CV", "mean Polsby&ndash;Popper",
                                                "households moved vs A", "households moved vs plan in force",
                                                "workers changed vs A", "workload per FTE max/min",
                                                "largest gap (%)", "run time (s)"};
            for (int k = 0; k < 11; k++) {
                fprintf(o, "</tr>\n<tr><td class=\"l\">%s</td>", label[k]);
                for (int i = 0; i < n; i++) {
                    const gp_compare_row *r = &rows[i];
                    double v[] = {r->grids, r->communities_infeasible, r->workload_ratio, r->workload_cv,
                                  r->polsby_popper_mean, r->households_moved_vs_first,
                                  r->households_moved_vs_existing, r->workers_changed_vs_first,
                                  r->workload_per_fte_ratio, r->max_gap >= 0 ? 100 * r->max_gap : -1, r->elapsed_s};
                    static const char *const fmt[] = {"%.0f", "%.0f", "%.2f", "%.3f", "%.2f", "%.0f", "%.0f", "%.0f",
                                                      "%.2f", "%.2f", "%.1f"};
                    cell(o, v[k], fmt[k]);
                }
            }
            fputs("</tr></tbody></table>\n", o);
            for (int i = 1; i < n; i++) {
                fprintf(o, "<h2>Where %c differs from A</h2>\n<p>Atoms in red changed grid (grids matched one to one "
                        "by shared households), drawn under the grids of %c; ", 'A' + i, 'A' + i);
                if (rows[i].households_moved_vs_first >= 0)
                    fprintf(o, "%.0f households.</p>\n", rows[i].households_moved_vs_first);
                else
                    fputs("the two runs do not have the same atoms.</p>\n", o);
                diff_map(o, &f[i], rows[i].households_moved_vs_first >= 0 ? changed[i] : NULL);
            }
            fputs("</body></html>\n", o);
            bool werr = ferror(o) != 0;
            if (fclose(o) != 0 || werr)
                st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: write error", html_path);
        }
    }
    for (int i = 0; f && i < n; i++)
        folder_free(&f[i]);
    for (int i = 0; changed && i < n; i++)
        free(changed[i]);
    free(f), free(changed);
    CPLPopErrorHandler();
    return st;
}

gp_status gp_compare(gp_ctx *ctx, const char *const *dirs, int n, const char *html_path, gp_compare_row *rows)
{
    void *loc = gp_locale_enter();
    gp_status st = compare(ctx, dirs, n, html_path, rows);
    gp_locale_leave(loc);
    return st;
}
