/* `interpolate`: counts of source polygons (e.g. census units) carried to
 * target polygons (e.g. another year's zones) by area, exactly preserving
 * every total; the same apportioning as the cells mode. The output is the
 * target layer itself, every feature with its own fields and geometry,
 * plus the interpolated fields. Written under a temporary name, renamed. */
#include <cpl_error.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"

#define MAX_FIELDS 64

/* The options as an internal scenario, so that inputs load exactly as a
 * scenario's would (CRS rules, CSV columns, messages). */
static gp_status as_scenario(gp_ctx *ctx, const gp_interpolate_opts *o, gp_scenario **out)
{
    char *t = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&t, &len);
    if (!f)
        return GP_ERR_NOMEM;
    fprintf(f, "[input]\nunits = %s\nunits.population = %s\ncommunities = %s\n", o->source, o->fields[0], o->target);
    if (o->source_layer)
        fprintf(f, "units.layer = %s\n", o->source_layer);
    if (o->source_crs)
        fprintf(f, "units.crs = %s\n", o->source_crs);
    if (o->target_layer)
        fprintf(f, "communities.layer = %s\n", o->target_layer);
    if (o->target_crs)
        fprintf(f, "communities.crs = %s\n", o->target_crs);
    if (o->weights)
        fprintf(f, "weights = %s\nweights.field = %s\n", o->weights, o->weights_field ? o->weights_field : "");
    if (o->weights_layer)
        fprintf(f, "weights.layer = %s\n", o->weights_layer);
    fclose(f);
    gp_status st = gp_scenario_parse(ctx, t, "interpolate options", "", out);
    free(t);
    return st;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Copies the target layer with the new fields into path. */
static gp_status write_targets(gp_ctx *ctx, const gp_config *cfg, const gp_polys *tg, const char *const *fields,
                               int nf, const double *tval, const char *path)
{
    GDALDatasetH in = gp_open_vector(&cfg->input.communities);
    if (!in)
        return gp_fail(ctx, GP_ERR_IO, "%s: cannot reopen: %s", tg->info.path, CPLGetLastErrorMsg());
    OGRLayerH il = GDALDatasetGetLayerByName(in, tg->info.layer);
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    GDALDatasetH out = drv ? GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL) : NULL;
    gp_status st = GP_OK;
    long long *order = NULL;
    int *map = NULL;

    if (!il || !out) {
        st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create: %s", path, CPLGetLastErrorMsg());
        goto done;
    }
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(il);
    OGRSpatialReferenceH own = NULL;
    const char *tcrs = cfg->input.communities.crs;
    if (tcrs) {
        own = OSRNewSpatialReference(NULL);
        OSRSetFromUserInput(own, tcrs);
        srs = own;
    }
    OGRLayerH ol = GDALDatasetCreateLayer(out, OGR_L_GetName(il), srs, OGR_L_GetGeomType(il), NULL);
    if (own)
        OSRDestroySpatialReference(own);
    if (!ol) {
        st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create layer: %s", path, CPLGetLastErrorMsg());
        goto done;
    }
    /* every field of the target but a CSV's WKT or coordinate columns,
     * which the geometry already holds */
    OGRFeatureDefnH ifd = OGR_L_GetLayerDefn(il);
    int nfd = OGR_FD_GetFieldCount(ifd), nin = 0;
    map = malloc((size_t)(nfd ? nfd : 1) * sizeof *map);
    if (!map) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    for (int i = 0; i < nfd; i++) {
        OGRFieldDefnH fdi = OGR_FD_GetFieldDefn(ifd, i);
        map[i] = -1;
        if (gp_src_geom_column(&cfg->input.communities, OGR_Fld_GetNameRef(fdi)))
            continue;
        if (OGR_L_CreateField(ol, fdi, 1) != OGRERR_NONE) {
            st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot copy field '%s'", path, OGR_Fld_GetNameRef(fdi));
            goto done;
        }
        map[i] = nin++;
    }
    for (int k = 0; k < nf; k++) {
        char name[128];
        snprintf(name, sizeof name, "%s", fields[k]);
        for (int n = 2; OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(ol), name) >= 0; n++)
            snprintf(name, sizeof name, "%s_%d", fields[k], n);
        OGRFieldDefnH fd = OGR_Fld_Create(name, OFTReal);
        OGRErr e = OGR_L_CreateField(ol, fd, 1);
        OGR_Fld_Destroy(fd);
        if (e != OGRERR_NONE) {
            st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create field '%s'", path, name);
            goto done;
        }
    }
    /* target FID -> row of tval */
    order = malloc((size_t)(tg->n ? tg->n : 1) * 2 * sizeof *order);
    if (!order) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    for (int i = 0; i < tg->n; i++) {
        order[2 * i] = tg->fid[i];
        order[2 * i + 1] = i;
    }
    qsort(order, (size_t)tg->n, 2 * sizeof *order, cmp_ll);
    GDALDatasetStartTransaction(out, 0);
    OGR_L_ResetReading(il);
    OGRFeatureH f;
    while (!st && (f = OGR_L_GetNextFeature(il)) != NULL) {
        OGRFeatureH g = OGR_F_Create(OGR_L_GetLayerDefn(ol));
        OGR_F_SetFromWithMap(g, f, 1, map);
        long long fid = OGR_F_GetFID(f);
        long long *hit = bsearch(&fid, order, (size_t)tg->n, 2 * sizeof *order, cmp_ll);
        for (int k = 0; k < nf; k++) {
            if (hit)
                OGR_F_SetFieldDouble(g, nin + k, tval[(size_t)hit[1] * nf + k]);
            else
                OGR_F_SetFieldNull(g, nin + k);
        }
        if (OGR_L_CreateFeature(ol, g) != OGRERR_NONE)
            st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot write feature %lld: %s", path, fid, CPLGetLastErrorMsg());
        OGR_F_Destroy(g);
        OGR_F_Destroy(f);
    }
    if (!st && GDALDatasetCommitTransaction(out) != OGRERR_NONE)
        st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: commit failed: %s", path, CPLGetLastErrorMsg());
done:
    free(order);
    free(map);

    if (out)
        GDALClose(out);
    if (in)
        GDALClose(in);
    return st;
}

static gp_status interpolate(gp_ctx *ctx, const gp_interpolate_opts *o, gp_interpolate_summary *sm)
{
    if (!ctx || !o || !o->source || !o->target || !o->out || !o->fields || o->n_fields < 1)
        return GP_ERR_ARG;
    if (o->n_fields > MAX_FIELDS)
        return gp_fail(ctx, GP_ERR_ARG, "at most %d fields can be interpolated at once", MAX_FIELDS);
    if (o->weights && !o->weights_field)
        return gp_fail(ctx, GP_ERR_ARG, "--weights needs --weights-field: the field holding each polygon's weight");
    ctx->errmsg[0] = '\0';
    double t0 = gp_now();
    gp_scenario *sc = NULL;
    gp_polys src = {0}, tg = {0}, wp = {0};
    gp_weights w = {0};
    double *tval = NULL;
    int *moved = NULL;
    char crs[256] = "", *tmp = NULL;
    gp_status st = as_scenario(ctx, o, &sc);
    if (st)
        goto done;
    if (o->crs && strcmp(o->crs, "auto") != 0) {
        /* areas are measured in it: it must be projected, in metres */
        OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
        bool ok = OSRSetFromUserInput(srs, o->crs) == OGRERR_NONE && OSRIsProjected(srs) &&
                  fabs(OSRGetLinearUnits(srs, NULL) - 1.0) < 1e-9;
        OSRDestroySpatialReference(srs);
        if (!ok) {
            st = gp_fail(ctx, GP_ERR_CRS, "--crs %s: the working CRS must be projected in metres (e.g. a UTM zone), "
                         "or auto", o->crs);
            goto done;
        }
        snprintf(crs, sizeof crs, "%s", o->crs);
    }
    const gp_config *cfg = gp_scenario_config(sc);
    if ((st = gp_read_polygons(ctx, cfg, &cfg->input.communities, crs, sizeof crs, NULL, 0, &tg, NULL)) ||
        (st = gp_read_polygons(ctx, cfg, &cfg->input.units, crs, sizeof crs, o->fields, o->n_fields, &src, NULL)))
        goto done;
    if (tg.n == 0) {
        st = gp_fail(ctx, GP_ERR_INPUT, "%s: no target polygons", o->target);
        goto done;
    }
    if (o->weights) {
        const char *wf[] = {o->weights_field};
        if ((st = gp_read_polygons(ctx, cfg, &cfg->input.weights, crs, sizeof crs, wf, 1, &wp, NULL)) ||
            (st = gp_weights_take(ctx, &wp, &w)))
            goto done;
    }
    int nf = o->n_fields;
    tval = calloc((size_t)tg.n * (size_t)nf, sizeof *tval);
    moved = malloc((size_t)(src.n ? src.n : 1) * sizeof *moved);
    if (!tval || !moved) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    if ((st = gp_apportion(ctx, src.g, src.v, src.n, nf, tg.g, NULL, tg.n, o->weights ? &w : NULL, tval, moved)))
        goto done;
    size_t len = strlen(o->out) + 32;
    if (!(tmp = malloc(len))) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    snprintf(tmp, len, "%s.tmp-%ld.gpkg", o->out, (long)getpid());
    CPLPushErrorHandler(CPLQuietErrorHandler);
    unlink(tmp);
    st = write_targets(ctx, cfg, &tg, o->fields, nf, tval, tmp);
    CPLPopErrorHandler();
    if (!st && rename(tmp, o->out) != 0)
        st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot put the result in place", o->out);
    if (st)
        unlink(tmp);
    if (sm) {
        memset(sm, 0, sizeof *sm);
        sm->sources = src.n;
        sm->targets = tg.n;
        for (int u = 0; u < src.n; u++)
            sm->sources_outside += moved[u] >= 0;
        for (int k = 0; k < nf; k++) {
            double in = 0, out = 0;
            for (int u = 0; u < src.n; u++)
                in += src.v[(size_t)u * nf + k];
            for (int t = 0; t < tg.n; t++)
                out += tval[(size_t)t * nf + k];
            if (k < 16) {
                sm->sum_in[k] = in;
                sm->sum_out[k] = out;
            }
            double rel = fabs(in - out) / fmax(fabs(in), 1e-300);
            if (in != 0 && rel > sm->max_relative_error)
                sm->max_relative_error = rel;
        }
    }
    for (int u = 0; u < src.n; u++)
        if (moved[u] >= 0)
            gp_log(ctx, GP_LOG_WARN, "%s: feature FID %lld overlaps no target: its counts go to the nearest, FID %lld",
                   o->source, src.fid[u], tg.fid[moved[u]]);
done:
    if (sm)
        sm->elapsed_s = gp_now() - t0;
    free(tmp);
    free(tval);
    free(moved);
    gp_weights_free(ctx, &w);
    gp_polys_free(ctx, &src);
    gp_polys_free(ctx, &tg);
    gp_polys_free(ctx, &wp);
    gp_scenario_destroy(sc);
    return st;
}

gp_status gp_interpolate(gp_ctx *ctx, const gp_interpolate_opts *o, gp_interpolate_summary *sm)
{
    void *loc = gp_locale_enter();
    gp_status st = interpolate(ctx, o, sm);
    gp_locale_leave(loc);
    return st;
}
