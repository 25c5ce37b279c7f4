/* Reading one input layer with GDAL/OGR: opening it as the scenario says,
 * its fields, counts and geometries (projected, 2D), and the messages that
 * name the file, the feature and the fix. */
#include <cpl_conv.h>
#include <cpl_error.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "io/io.h"

void gp_src_close(gp_src *s)
{
    if (s->ds)
        GDALClose(s->ds);
    CPLFree(s->srs_def);
    s->ds = NULL;
    s->srs_def = NULL;
}

GDALDatasetH gp_open_vector(const gp_cfg_source *src)
{
    /* CSV: points from lon/lat columns, or any geometry from a WKT column */
    const char *path = src->path ? src->path : "";
    char ox[160], oy[160], ow[160];
    const char *csv_opts[] = {ow, "KEEP_GEOM_COLUMNS=NO", ox, oy, NULL};
    size_t pl = strlen(path);
    bool csv = pl > 4 && strcasecmp(path + pl - 4, ".csv") == 0;
    snprintf(ox, sizeof ox, "X_POSSIBLE_NAMES=%s", src->x.name);
    snprintf(oy, sizeof oy, "Y_POSSIBLE_NAMES=%s", src->y.name);
    snprintf(ow, sizeof ow, "GEOM_POSSIBLE_NAMES=%s", src->wkt.name);
    /* coordinate columns make points: only for cases, or when named, so a
     * polygon CSV with lon/lat columns beside its WKT stays polygons */
    if (strcmp(src->key, "cases") != 0 && strcmp(src->key, "workers") != 0 && !src->x.given && !src->y.given)
        csv_opts[2] = NULL;
    return GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, csv ? csv_opts : NULL, NULL);
}

gp_status gp_src_open(gp_ctx *ctx, const gp_config *cfg, const gp_cfg_source *src, gp_src *s)
{
    memset(s, 0, sizeof *s);
    s->cfg = src;
    s->path = src->path;
    const char *key = src->key;
    struct stat stt;
    if (stat(s->path, &stt) != 0)
        return gp_fail(ctx, GP_ERR_IO, "%s: [input] %s: no such file: check the path (relative paths are "
                       "relative to the scenario file)", s->path, key);
    CPLErrorReset();
    s->ds = gp_open_vector(src);
    if (!s->ds) {
        const char *m = CPLGetLastErrorMsg();
        return gp_fail(ctx, GP_ERR_IO, "%s: [input] %s: GDAL cannot read this file as vector data%s%s: is it "
                       "truncated or in an unsupported format?", s->path, key, m[0] ? ": " : "", m);
    }
    s->layer_name = src->layer;
    int nl = GDALDatasetGetLayerCount(s->ds);
    if (s->layer_name) {
        s->lyr = GDALDatasetGetLayerByName(s->ds, s->layer_name);
        if (!s->lyr) {
            char names[512] = "";
            for (int i = 0; i < nl && strlen(names) < 400; i++) {
                strcat(names, i ? ", " : "");
                strcat(names, OGR_L_GetName(GDALDatasetGetLayer(s->ds, i)));
            }
            return gp_fail(ctx, GP_ERR_INPUT, "%s: no layer '%s' (layers: %s): fix [input] %s.layer", s->path,
                           s->layer_name, names, key);
        }
    } else {
        if (nl != 1)
            return gp_fail(ctx, GP_ERR_INPUT, "%s: has %d layers: name one with [input] %s.layer", s->path, nl, key);
        s->lyr = GDALDatasetGetLayer(s->ds, 0);
    }
    s->layer_name = OGR_L_GetName(s->lyr);
    /* a roster may be a plain table: its workers have no base location */
    if (strcmp(key, "workers") == 0 && OGR_FD_GetGeomFieldCount(OGR_L_GetLayerDefn(s->lyr)) == 0)
        return GP_OK;

    const char *crs = src->crs;
    OGRSpatialReferenceH srs = NULL;
    if (crs) {
        srs = OSRNewSpatialReference(NULL);
        if (OSRSetFromUserInput(srs, crs) != OGRERR_NONE) {
            OSRDestroySpatialReference(srs);
            return gp_fail(ctx, GP_ERR_CRS, "%s: [input] %s.crs = %s is not a CRS PROJ knows (e.g. EPSG:4326)",
                           cfg->path, key, crs);
        }
    } else {
        OGRSpatialReferenceH l = OGR_L_GetSpatialRef(s->lyr);
        /* GeoPackages say "Undefined geographic/cartesian SRS" where other
         * formats say nothing; a local CRS cannot be placed on Earth either */
        const char *nm = l ? OSRGetName(l) : NULL;
        if (!l || OSRIsLocal(l) || (nm && strncmp(nm, "Undefined ", 10) == 0))
            return gp_fail(ctx, GP_ERR_CRS, "%s: layer '%s' has no CRS: set [input] %s.crs = EPSG:xxxx in the "
                           "scenario", s->path, s->layer_name, key);
        srs = OSRClone(l);
    }
    const char *opts[] = {"FORMAT=WKT2_2019", NULL};
    OGRErr e = OSRExportToWktEx(srs, &s->srs_def, opts);
    const char *auth = OSRGetAuthorityName(srs, NULL), *code = OSRGetAuthorityCode(srs, NULL);
    if (auth && code)
        snprintf(s->srs_name, sizeof s->srs_name, "%s:%s", auth, code);
    else
        snprintf(s->srs_name, sizeof s->srs_name, "%s", OSRGetName(srs) ? OSRGetName(srs) : "unnamed");
    OSRDestroySpatialReference(srs);
    if (e != OGRERR_NONE)
        return gp_fail(ctx, GP_ERR_CRS, "%s: layer '%s': its CRS cannot be exported for PROJ", s->path, s->layer_name);
    return GP_OK;
}

gp_status gp_src_field(gp_ctx *ctx, gp_src *s, const gp_cfg_field *f, int *idx)
{
    *idx = -1;
    if (!f->name)
        return GP_OK;
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(s->lyr);
    *idx = OGR_FD_GetFieldIndex(fd, f->name);
    if (*idx >= 0 || !f->given)
        return GP_OK; /* found, or an optional default that is absent */
    char names[512] = "";
    int nf = OGR_FD_GetFieldCount(fd);
    for (int i = 0; i < nf && strlen(names) < 400; i++) {
        strcat(names, i ? ", " : "");
        strcat(names, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, i)));
    }
    return gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no field '%s' (fields: %s): fix [input] %s", s->path,
                   s->layer_name, f->name, names, f->key);
}

void gp_src_label(OGRFeatureH f, int id_idx, char *buf, size_t len)
{
    if (id_idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, id_idx))
        snprintf(buf, len, "'%s'", OGR_F_GetFieldAsString(f, id_idx));
    else
        snprintf(buf, len, "FID %lld", (long long)OGR_F_GetFID(f));
}

gp_status gp_src_count(gp_ctx *ctx, gp_src *s, OGRFeatureH f, int idx, const char *label, double *out)
{
    OGRFieldDefnH fd = OGR_F_GetFieldDefnRef(f, idx);
    const char *fname = OGR_Fld_GetNameRef(fd);
    if (!OGR_F_IsFieldSetAndNotNull(f, idx))
        return gp_fail(ctx, GP_ERR_INPUT, "%s: feature %s: field '%s' is NULL: fill in the count (0 if none)",
                       s->path, label, fname);
    OGRFieldType t = OGR_Fld_GetType(fd);
    double v;
    if (t == OFTInteger || t == OFTInteger64 || t == OFTReal) {
        v = OGR_F_GetFieldAsDouble(f, idx);
    } else if (!gp_parse_double(OGR_F_GetFieldAsString(f, idx), &v)) {
        return gp_fail(ctx, GP_ERR_INPUT, "%s: feature %s: field '%s' = '%s' is not a number", s->path, label,
                       fname, OGR_F_GetFieldAsString(f, idx));
    }
    if (!isfinite(v) || v < 0)
        return gp_fail(ctx, GP_ERR_INPUT, "%s: feature %s: field '%s' = %g: counts must be finite and >= 0",
                       s->path, label, fname, v);
    *out = v;
    return GP_OK;
}

GEOSGeometry *gp_src_geom(gp_ctx *ctx, gp_src *s, gp_proj *pj, OGRFeatureH f, const char *label,
                               bool polygonal, gp_status *st)
{
    *st = GP_OK;
    OGRGeometryH og = OGR_F_GetGeometryRef(f);
    if (!og || OGR_G_IsEmpty(og))
        return NULL;
    OGRGeometryH lin = OGR_G_GetLinearGeometry(og, 0, NULL);
    if (!lin) {
        *st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: geometry cannot be read", s->path, label);
        return NULL;
    }
    OGR_G_FlattenTo2D(lin);
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(lin));
    bool ok = polygonal ? (t == wkbPolygon || t == wkbMultiPolygon) : (t == wkbPoint || t == wkbMultiPoint);
    if (!ok) {
        *st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: a %s where %s are expected", s->path, label,
                      OGRGeometryTypeToName(t), polygonal ? "polygons" : "points");
        OGR_G_DestroyGeometry(lin);
        return NULL;
    }
    size_t n = (size_t)OGR_G_WkbSize(lin);
    unsigned char *wkb = malloc(n);
    if (!wkb) {
        OGR_G_DestroyGeometry(lin);
        *st = GP_ERR_NOMEM;
        return NULL;
    }
    OGR_G_ExportToWkb(lin, wkbNDR, wkb);
    OGR_G_DestroyGeometry(lin);
    GEOSWKBReader *rd = GEOSWKBReader_create_r(ctx->geos);
    GEOSGeometry *g = GEOSWKBReader_read_r(ctx->geos, rd, wkb, n);
    GEOSWKBReader_destroy_r(ctx->geos, rd);
    free(wkb);
    if (!g) {
        *st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: GEOS cannot read the geometry: %s", s->path, label,
                      gp_geos_lastmsg(ctx));
        return NULL;
    }
    GEOSGeometry *p = gp_proj_geom(ctx, pj, g);
    GEOSGeom_destroy_r(ctx->geos, g);
    if (!p)
        *st = gp_fail(ctx, GP_ERR_PROJ, "%s: feature %s: a coordinate cannot be transformed to the working CRS: "
                      "is the layer's CRS right?", s->path, label);
    return p;
}


bool gp_src_note(char ***list, int *n, const char *what, const char *label)
{
    char **l = realloc(*list, (size_t)(*n + 1) * sizeof *l);
    if (!l)
        return false;
    *list = l;
    size_t len = strlen(what) + strlen(label) + 2;
    if (!(l[*n] = malloc(len)))
        return false;
    snprintf(l[*n], len, "%s%s%s", what, what[0] ? ":" : "", label);
    (*n)++;
    return true;
}

void gp_src_note_repair(gp_ctx *ctx, gp_dataset *ds, gp_src *s, const char *label)
{
    ds->n_repaired++;
    gp_src_note(&ds->repaired, &ds->n_repaired_ids, s->cfg->key, label);
    gp_log(ctx, GP_LOG_WARN, "%s: feature %s: invalid polygon repaired", s->path, label);
}

void gp_src_info(gp_src *s, gp_input_info *in)
{
    in->path = gp_strdup(s->path);
    in->layer = gp_strdup(s->layer_name);
    in->crs = gp_strdup(s->srs_name);
    in->features = (int)OGR_L_GetFeatureCount(s->lyr, 1);
    if (!gp_file_checksum(s->path, in->checksum))
        in->checksum[0] = '\0';
}

static int cmp_str_idx(const void *a, const void *b, void *arr)
{
    char **ids = arr;
    return strcmp(ids[*(const int *)a], ids[*(const int *)b]);
}

gp_status gp_check_unique(gp_ctx *ctx, const char *path, const char *key, const void *first_id, size_t stride,
                              int n)
{
    int *ord = malloc((size_t)(n ? n : 1) * sizeof *ord);
    char **ids = malloc((size_t)(n ? n : 1) * sizeof *ids);
    if (!ord || !ids) {
        free(ord);
        free(ids);
        return GP_ERR_NOMEM;
    }
    for (int i = 0; i < n; i++)
        ids[i] = *(char *const *)((const char *)first_id + (size_t)i * stride);
    for (int i = 0; i < n; i++)
        ord[i] = i;
    qsort_r(ord, (size_t)n, sizeof *ord, cmp_str_idx, ids);
    for (int i = 1; i < n; i++)
        if (strcmp(ids[ord[i]], ids[ord[i - 1]]) == 0) {
            gp_status st = gp_fail(ctx, GP_ERR_INPUT, "%s: id '%s' is used by more than one feature: [input] %s must "
                                   "name a unique field", path, ids[ord[i]], key);
            free(ord);
            free(ids);
            return st;
        }
    free(ord);
    free(ids);
    return GP_OK;
}

gp_status gp_read_polygons(gp_ctx *ctx, const gp_config *cfg, const gp_cfg_source *src, char *crs, size_t crs_len,
                           const char *const *fields, int nf, gp_polys *out, gp_dataset *notes)
{
    memset(out, 0, sizeof *out);
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    gp_src s = {0};
    gp_proj *pj = NULL;
    int *idx = calloc((size_t)(nf ? nf : 1), sizeof *idx);
    gp_status st = idx ? gp_src_open(ctx, cfg, src, &s) : GP_ERR_NOMEM;
    if (st)
        goto done;
    if (!crs[0]) {
        OGREnvelope env;
        if (OGR_L_GetExtent(s.lyr, &env, 1) != OGRERR_NONE) {
            st = gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no extent (no geometries?)", s.path, s.layer_name);
            goto done;
        }
        if ((st = gp_proj_auto_utm(ctx, s.srs_def, (env.MinX + env.MaxX) / 2, (env.MinY + env.MaxY) / 2, s.path, crs,
                                   crs_len)))
            goto done;
    }
    if ((st = gp_proj_create(ctx, s.srs_def, crs, s.path, &pj)))
        goto done;
    gp_src_info(&s, &out->info);
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(s.lyr);
    for (int k = 0; k < nf; k++)
        if ((idx[k] = OGR_FD_GetFieldIndex(fd, fields[k])) < 0) {
            st = gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no field '%s'", s.path, s.layer_name, fields[k]);
            goto done;
        }
    int cap = (int)OGR_L_GetFeatureCount(s.lyr, 1);
    if (cap < 1)
        cap = 1;
    out->g = calloc((size_t)cap, sizeof *out->g);
    out->fid = calloc((size_t)cap, sizeof *out->fid);
    out->v = calloc((size_t)cap * (size_t)(nf ? nf : 1), sizeof *out->v);
    if (!out->g || !out->fid || !out->v) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    out->nf = nf;
    OGR_L_ResetReading(s.lyr);
    OGRFeatureH f;
    char label[64];
    while (!st && (f = OGR_L_GetNextFeature(s.lyr)) != NULL) {
        snprintf(label, sizeof label, "FID %lld", (long long)OGR_F_GetFID(f));
        double *v = out->v + (size_t)out->n * (size_t)nf;
        bool any = false;
        for (int k = 0; k < nf && !st; k++) {
            st = gp_src_count(ctx, &s, f, idx[k], label, &v[k]);
            any |= v[k] != 0;
        }
        GEOSGeometry *g = st ? NULL : gp_src_geom(ctx, &s, pj, f, label, true, &st);
        bool rep = false;
        if (!st && g && !(g = gp_geom_repair(ctx, g, &rep)))
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s: invalid polygon that GEOS cannot repair", s.path, label);
        if (!st && !g && any)
            st = gp_fail(ctx, GP_ERR_GEOMETRY, "%s: feature %s has counts but no geometry", s.path, label);
        if (rep) {
            out->repaired++;
            if (notes)
                gp_src_note_repair(ctx, notes, &s, label);
            else
                gp_log(ctx, GP_LOG_WARN, "%s: feature %s: invalid polygon repaired", s.path, label);
        }
        long long fid = OGR_F_GetFID(f);
        OGR_F_Destroy(f);
        if (st || !g) {
            if (g)
                GEOSGeom_destroy_r(ctx->geos, g);
            if (!st)
                memset(v, 0, (size_t)nf * sizeof *v);
            continue;
        }
        out->g[out->n] = g;
        out->fid[out->n++] = fid;
        if (out->n == cap) { /* the layer holds more than it said */
            int cg = cap, cf = cap, cv = cap * (nf ? nf : 1);
            if (!gp_grow(&out->g, &cg, cap + 1, sizeof *out->g) || !gp_grow(&out->fid, &cf, cap + 1, sizeof *out->fid) ||
                !gp_grow(&out->v, &cv, (cap + 1) * (nf ? nf : 1), sizeof *out->v))
                st = GP_ERR_NOMEM;
            else
                cap = cg;
        }
    }
done:
    gp_proj_destroy(pj);
    gp_src_close(&s);
    CPLPopErrorHandler();
    free(idx);
    return st;
}

void gp_polys_free(gp_ctx *ctx, gp_polys *p)
{
    for (int i = 0; i < p->n; i++)
        GEOSGeom_destroy_r(ctx->geos, p->g[i]);
    free(p->g);
    free(p->fid);
    free(p->v);
    free(p->info.path);
    free(p->info.layer);
    free(p->info.crs);
    memset(p, 0, sizeof *p);
}
