/* The roster ([input] workers): one worker per row with an id, a name,
 * a community, current grids, a capacity in FTE and a base location; every
 * message names the row, the worker and the field. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/io.h"

/* True/false words of a flag field; -1 when the text is neither. */
static int flag_value(const char *v)
{
    static const char *const yes[] = {"1", "yes", "y", "true", "t", "x"};
    static const char *const no[] = {"", "0", "no", "n", "false", "f"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    return -1;
}

/* One roster row into w; the message names the row, the worker and the
 * field. */
static gp_status read_worker(gp_ctx *ctx, gp_dataset *ds, gp_src *s, gp_proj *pj, OGRFeatureH f, const int *fi,
                             long row, gp_worker *w)
{
    enum { RW_ID, RW_NAME, RW_COMM, RW_GRIDS, RW_FTE, RW_LOCK };
    /* copies: GDAL reuses one buffer for the text of non-string fields */
    char val_buf[6][256];
    const char *val[6];
    char where[320];
    snprintf(where, sizeof where, "row %ld", row);
    for (int k = 0; k < 6; k++) {
        const char *v;
        gp_status st = gp_src_text(ctx, s, f, fi[k], where, &v);
        if (st)
            return st;
        val[k] = NULL;
        if (v) {
            snprintf(val_buf[k], sizeof val_buf[k], "%s", v);
            val[k] = val_buf[k];
        }
        if (k == RW_ID && v)
            snprintf(where, sizeof where, "row %ld (worker '%.200s')", row, val_buf[k]);
    }
    if (!val[RW_ID] || !val[RW_ID][0])
        return gp_fail(ctx, GP_ERR_INPUT, "%s: row %ld: the worker id is empty: give every worker an id "
                       "([input] workers.id)", s->path, row);
    w->row = row;
    w->id = gp_strdup(val[RW_ID]);
    w->name = gp_strdup(val[RW_NAME] ? val[RW_NAME] : "");
    /* an update: where the previous run put the worker is where it works
     * now (its community and grids in the previous assignments.csv); a
     * worker the roster locks stays in the roster's community */
    const gp_prev_worker *pw = ds->is_update ? gp_previous_worker(&ds->prev, w->id) : NULL;
    bool locked = fi[RW_LOCK] >= 0 && val[RW_LOCK] && flag_value(val[RW_LOCK]) == 1;
    if (pw && !locked) {
        snprintf(val_buf[RW_COMM], sizeof val_buf[RW_COMM], "%s", pw->community);
        val[RW_COMM] = val_buf[RW_COMM];
    }
    w->cur_text = gp_strdup(pw ? pw->grids
                            : fi[RW_GRIDS] >= 0 && OGR_F_IsFieldSetAndNotNull(f, fi[RW_GRIDS])
                            ? OGR_F_GetFieldAsString(f, fi[RW_GRIDS]) : "");
    w->home = w->comm = -1;
    w->fte = 1.0;
    w->travel = NAN;
    w->changed = -1;
    if (!w->id || !w->name || !w->cur_text)
        return GP_ERR_NOMEM;
    if (fi[RW_FTE] >= 0) {
        const char *fld = OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, fi[RW_FTE]));
        if (!val[RW_FTE] || !gp_parse_double(val[RW_FTE], &w->fte) || !(w->fte >= 0 && w->fte <= 10))
            return gp_fail(ctx, GP_ERR_INPUT, "%s: row %ld (worker '%s'): field '%s' = '%s' is not a capacity: "
                           "write the FTE as a number from 0 to 10 (1.0 full-time, 0.5 part-time)", s->path, row,
                           w->id, fld, val[RW_FTE] ? val[RW_FTE] : "");
    }
    if (val[RW_COMM] && val[RW_COMM][0]) {
        for (int c = 0; c < ds->n_comms && w->home < 0; c++)
            if (strcmp(ds->comms[c].id, val[RW_COMM]) == 0)
                w->home = c;
        if (w->home < 0)
            return gp_fail(ctx, GP_ERR_INPUT, "%s: row %ld (worker '%s'): community '%s' is not in the communities "
                           "layer: correct the code, or leave it empty for a worker not yet placed", s->path, row,
                           w->id, val[RW_COMM]);
    }
    w->comm = w->home;
    if (fi[RW_LOCK] >= 0) {
        int v = flag_value(val[RW_LOCK] ? val[RW_LOCK] : "");
        if (v < 0)
            return gp_fail(ctx, GP_ERR_INPUT, "%s: row %ld (worker '%s'): field '%s' = '%s' is not a yes/no flag: "
                           "write 1/yes/true or 0/no/false", s->path, row, w->id,
                           OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, fi[RW_LOCK])), val[RW_LOCK]);
        w->locked = v == 1;
        if (w->locked && w->home < 0)
            return gp_fail(ctx, GP_ERR_INPUT, "%s: row %ld (worker '%s'): locked but without a community: give "
                           "the community or unlock the worker", s->path, row, w->id);
    }
    /* current grids: ids of the existing plan, separated by ; , or | */
    const char *p = w->cur_text;
    while (*p) {
        size_t len = strcspn(p, ";,|");
        const char *b = p, *e = p + len;
        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        p += len + (p[len] != '\0');
        if (e == b)
            continue;
        int g = -1;
        for (int x = 0; x < ds->n_existing && g < 0; x++)
            if (strlen(ds->existing[x].id) == (size_t)(e - b) && strncmp(ds->existing[x].id, b, (size_t)(e - b)) == 0)
                g = x;
        if (g < 0) {
            if (ds->has_existing)
                gp_log(ctx, GP_LOG_WARN, "%s: row %ld (worker '%s'): grid '%.*s' is not in the existing plan: it "
                       "counts for nothing in continuity", s->path, row, w->id, (int)(e - b), b);
            continue;
        }
        bool dup = false;
        for (int k = 0; k < w->n_cur; k++)
            dup |= w->cur[k] == g;
        if (dup)
            continue;
        int *nc = realloc(w->cur, (size_t)(w->n_cur + 1) * sizeof *nc);
        if (!nc)
            return GP_ERR_NOMEM;
        w->cur = nc;
        w->cur[w->n_cur++] = g;
    }
    if (pj) {
        char label[160];
        snprintf(label, sizeof label, "row %ld (worker '%s')", row, w->id);
        gp_status st;
        GEOSGeometry *g = gp_src_geom(ctx, s, pj, f, label, false, &st);
        if (st)
            return st;
        if (g) {
            const GEOSGeometry *pt = GEOSGeomTypeId_r(ctx->geos, g) == GEOS_POINT ? g : GEOSGetGeometryN_r(ctx->geos, g, 0);
            w->has_base = GEOSGeomGetX_r(ctx->geos, pt, &w->bx) == 1 && GEOSGeomGetY_r(ctx->geos, pt, &w->by) == 1;
            GEOSGeom_destroy_r(ctx->geos, g);
        }
    }
    return GP_OK;
}

/* The roster: one worker per row, ids unique. */
gp_status gp_load_roster(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_proj *pj, gp_src *s)
{
    const gp_cfg_field *fld[] = {&cfg->input.workers_id, &cfg->input.workers_name, &cfg->input.workers_community,
                                 &cfg->input.workers_grids, &cfg->input.workers_fte, &cfg->input.workers_lock};
    int fi[6];
    gp_status st;
    for (int k = 0; k < 6; k++)
        if ((st = gp_src_field(ctx, s, fld[k], &fi[k])))
            return st;
    if (fi[0] < 0)
        return gp_fail(ctx, GP_ERR_INPUT, "%s: layer '%s' has no field 'worker_id': name the id field with [input] "
                       "workers.id", s->path, s->layer_name);
    if (!ds->has_existing && fi[3] >= 0)
        gp_log(ctx, GP_LOG_INFO, "%s: the roster names current grids but the scenario has no [input] "
               "existing_plan: continuity is not used", s->path);
    int cap = 0, rcap = 0;
    long long *rows = NULL;
    ds->has_workers = true;
    OGR_L_ResetReading(s->lyr);
    OGRFeatureH f;
    long row = 0;
    while ((f = OGR_L_GetNextFeature(s->lyr)) != NULL) {
        row++;
        gp_worker *w = gp_grow_slot(&ds->workers, &cap, ds->n_workers, sizeof *ds->workers);
        if (!w || !gp_grow(&rows, &rcap, ds->n_workers + 1, sizeof *rows)) {
            OGR_F_Destroy(f);
            free(rows);
            return GP_ERR_NOMEM;
        }
        rows[ds->n_workers] = row;
        ds->n_workers++; /* counted now, so that what it holds is freed on error */
        st = read_worker(ctx, ds, s, pj, f, fi, row, w);
        OGR_F_Destroy(f);
        if (st) {
            free(rows);
            return st;
        }
    }
    if (ds->n_workers == 0)
        return gp_fail(ctx, GP_ERR_INPUT, "%s: the roster has no rows: list the workers, or remove [input] workers",
                       s->path);
    st = gp_check_unique(ctx, s->path, "workers.id", &ds->workers[0].id, sizeof ds->workers[0], ds->n_workers, rows,
                         true);
    free(rows);
    return st;
}

