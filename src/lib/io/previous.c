/* The output an update starts from ([input] previous): its report.json
 * (each community's atoms digest, status and figures) and its atoms.gpkg
 * (each atom's grid and counts). Its grids.gpkg is read as the plan in
 * force by the loader of [input] existing_plan. */
#include <cpl_error.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/io.h"

static json_object *jget(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static double jnum(json_object *o)
{
    return o && (json_object_is_type(o, json_type_double) || json_object_is_type(o, json_type_int))
               ? json_object_get_double(o)
               : NAN;
}

/* A copy of the string o, NULL when o is none; *nomem when out of memory. */
static char *jstrdup(json_object *o, bool *nomem)
{
    if (!o || !json_object_is_type(o, json_type_string))
        return NULL;
    char *s = gp_strdup(json_object_get_string(o));
    *nomem |= !s;
    return s;
}

static int status_of(const char *s)
{
    static const int all[] = {GP_CS_FEASIBLE, GP_CS_OPTIMAL, GP_CS_INFEASIBLE, GP_CS_TIME_CAPPED, GP_CS_NOT_FOUND};
    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, gp_comm_status_name(all[i])) == 0)
            return all[i];
    return GP_CS_PENDING;
}

static gp_status read_report(gp_ctx *ctx, gp_previous *p)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/report.json", p->dir);
    json_object *r = json_object_from_file(path);
    if (!r)
        return gp_fail(ctx, GP_ERR_IO, "%s: cannot read the previous run's report (%s): [input] previous must name "
                       "the output folder of a gridplan run (with report.json, grids.gpkg and atoms.gpkg)", path,
                       json_util_get_last_err() ? json_util_get_last_err() : "missing or not JSON");
    gp_status st = GP_OK;
    json_object *comms = jget(r, "communities");
    const char *digest = json_object_get_string(jget(r, "plan_digest"));
    if (!comms || !json_object_is_type(comms, json_type_array) || !digest) {
        st = gp_fail(ctx, GP_ERR_INPUT, "%s: no plan_digest or communities: not the report.json of a gridplan run; "
                     "[input] previous must name a gridplan output folder", path);
        goto done;
    }
    snprintf(p->digest, sizeof p->digest, "%s", digest);
    p->effort = jnum(jget(jget(r, "solver"), "effort"));
    static const char *const bkeys[] = {"households", "population", "cases", "workload"};
    json_object *b = jget(r, "bounds");
    for (int k = 0; k < 4; k++) {
        json_object *o = jget(b, bkeys[k]);
        if (!o)
            continue;
        double lo = jnum(jget(o, "min")), hi = jnum(jget(o, "max"));
        gp_bounds_text(p->bounds, sizeof p->bounds, bkeys[k], isnan(lo) ? -INFINITY : lo, isnan(hi) ? INFINITY : hi);
    }
    const char *count = json_object_get_string(jget(b, "count"));
    snprintf(p->bounds + strlen(p->bounds), sizeof p->bounds - strlen(p->bounds), "count=%s", count ? count : "");
    int n = (int)json_object_array_length(comms);
    p->comms = calloc((size_t)(n ? n : 1), sizeof *p->comms);
    if (!p->comms) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    bool nomem = false;
    for (int i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(comms, (size_t)i);
        gp_prev_comm *pc = &p->comms[p->n_comms];
        if (!(pc->id = jstrdup(jget(c, "id"), &nomem)))
            continue;
        p->n_comms++;
        const char *d = json_object_get_string(jget(c, "atoms_digest"));
        snprintf(pc->digest, sizeof pc->digest, "%s", d && jget(c, "atoms_digest") ? d : "");
        pc->status = status_of(json_object_get_string(jget(c, "status")));
        pc->objective = jnum(jget(c, "objective"));
        pc->bound = jnum(jget(c, "bound"));
        pc->gap = jnum(jget(c, "gap"));
        pc->n_grids = (int)jnum(jget(c, "grids"));
        pc->n_atoms = (int)jnum(jget(c, "atoms"));
        pc->search = jstrdup(jget(c, "search"), &nomem);
        pc->bound_by = jstrdup(jget(c, "bound_method"), &nomem);
        pc->reason = jstrdup(jget(c, "reason"), &nomem);
    }
    if (nomem)
        st = GP_ERR_NOMEM;
done:
    json_object_put(r);
    return st;
}

/* Opens file (dir/name) of the previous output with driver and its layer
 * (NULL: the first), and finds the fields it must have into idx; an error
 * saying that folder is no gridplan output when either fails. */
static gp_status open_table(gp_ctx *ctx, const gp_previous *p, const char *name, const char *driver,
                            const char *layer, const char *const *fields, int *idx, int nf, char *path,
                            size_t path_len, GDALDatasetH *d, OGRLayerH *l)
{
    snprintf(path, path_len, "%s/%s", p->dir, name);
    const char *drivers[] = {driver, NULL};
    *d = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    *l = !*d ? NULL : layer ? GDALDatasetGetLayerByName(*d, layer) : GDALDatasetGetLayer(*d, 0);
    OGRFeatureDefnH fd = *l ? OGR_L_GetLayerDefn(*l) : NULL;
    bool all = fd != NULL;
    for (int k = 0; k < nf; k++)
        all &= (idx[k] = fd ? OGR_FD_GetFieldIndex(fd, fields[k]) : -1) >= 0;
    if (all)
        return GP_OK;
    char list[256] = "";
    for (int k = 0; k < nf; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", fields[k]);
    gp_status st = fd ? gp_fail(ctx, GP_ERR_INPUT, "%s: the previous run's %s lacks one of the fields %s: [input] "
                                "previous must name a gridplan output folder", path, layer ? layer : name, list)
                      : gp_fail(ctx, GP_ERR_IO, "%s: cannot read the previous run's %s (%s): [input] previous must "
                                "name a gridplan output folder", path, layer ? layer : name,
                                CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg() : "missing, damaged or not its format");
    if (*d)
        GDALClose(*d);
    *d = NULL;
    return st;
}

static gp_status read_atoms(gp_ctx *ctx, gp_previous *p)
{
    static const char *const need[] = {"atom_id", "grid_id", "community"};
    int fi[3], vi[GP_NATTR];
    char path[4200];
    GDALDatasetH d;
    OGRLayerH l;
    gp_status st = open_table(ctx, p, "atoms.gpkg", "GPKG", "atoms", need, fi, 3, path, sizeof path, &d, &l);
    if (st)
        return st;
    for (int a = 0; a < GP_NATTR; a++)
        vi[a] = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), gp_attr_names[a]);
    GIntBig n = OGR_L_GetFeatureCount(l, 1);
    p->atoms = calloc((size_t)(n > 0 ? n : 1), sizeof *p->atoms);
    st = p->atoms ? GP_OK : GP_ERR_NOMEM;
    OGRFeatureH f;
    OGR_L_ResetReading(l);
    while (!st && (f = OGR_L_GetNextFeature(l)) != NULL) {
        if (p->n_atoms < n) {
            gp_prev_atom *a = &p->atoms[p->n_atoms++];
            a->id = gp_strdup(OGR_F_GetFieldAsString(f, fi[0]));
            a->grid = gp_strdup(OGR_F_GetFieldAsString(f, fi[1]));
            a->community = gp_strdup(OGR_F_GetFieldAsString(f, fi[2]));
            for (int k = 0; k < GP_NATTR; k++)
                a->v[k] = vi[k] >= 0 && OGR_F_IsFieldSetAndNotNull(f, vi[k]) ? OGR_F_GetFieldAsDouble(f, vi[k]) : NAN;
            if (!a->id || !a->grid || !a->community)
                st = GP_ERR_NOMEM;
        }
        OGR_F_Destroy(f);
    }
    GDALClose(d);
    return st;
}

/* assignments.csv, when the previous run had a roster: each worker's
 * community and grids after it, which an update takes as the current ones */
static gp_status read_assignments(gp_ctx *ctx, gp_previous *p)
{
    static const char *const need[] = {"worker_id", "community", "grids"};
    int fi[3];
    char path[4200];
    snprintf(path, sizeof path, "%s/assignments.csv", p->dir);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return GP_OK;
    GDALDatasetH d;
    OGRLayerH l;
    gp_status st = open_table(ctx, p, "assignments.csv", "CSV", NULL, need, fi, 3, path, sizeof path, &d, &l);
    if (st)
        return st;
    GIntBig n = OGR_L_GetFeatureCount(l, 1);
    p->workers = calloc((size_t)(n > 0 ? n : 1), sizeof *p->workers);
    st = p->workers ? GP_OK : GP_ERR_NOMEM;
    OGRFeatureH f;
    OGR_L_ResetReading(l);
    while (!st && (f = OGR_L_GetNextFeature(l)) != NULL) {
        if (p->n_workers < n) {
            gp_prev_worker *w = &p->workers[p->n_workers++];
            w->id = gp_strdup(OGR_F_GetFieldAsString(f, fi[0]));
            w->community = gp_strdup(OGR_F_GetFieldAsString(f, fi[1]));
            w->grids = gp_strdup(OGR_F_GetFieldAsString(f, fi[2]));
            if (!w->id || !w->community || !w->grids)
                st = GP_ERR_NOMEM;
        }
        OGR_F_Destroy(f);
    }
    GDALClose(d);
    return st;
}

gp_status gp_previous_load(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds)
{
    if (!cfg->input.previous)
        return GP_OK;
    gp_previous *p = &ds->prev;
    struct stat sb;
    if (stat(cfg->input.previous, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return gp_fail(ctx, GP_ERR_IO, "%s: [input] previous: %s: name the output folder of the run to update", 
                       cfg->input.previous, stat(cfg->input.previous, &sb) != 0 ? strerror(errno) : "not a folder");
    if (!(p->dir = gp_strdup(cfg->input.previous)))
        return GP_ERR_NOMEM;
    gp_status st;
    if ((st = read_report(ctx, p)) || (st = read_atoms(ctx, p)) || (st = read_assignments(ctx, p)))
        return st;
    gp_previous_sort(p);
    ds->is_update = true;
    return GP_OK;
}
