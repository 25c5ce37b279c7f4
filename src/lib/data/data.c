/* The data of a run: attribute and status names, and freeing what the
 * stages filled. */
#include <stdlib.h>
#include <string.h>

#include "data/data.h"

const char *const gp_attr_names[GP_NATTR] = {"households", "population", "cases", "case_load", "workload"};

const char *gp_comm_status_name(int status)
{
    switch (status) {
    case GP_CS_FEASIBLE: return "feasible";
    case GP_CS_OPTIMAL: return "optimal";
    case GP_CS_INFEASIBLE: return "infeasible";
    case GP_CS_TIME_CAPPED: return "time_capped";
    case GP_CS_NOT_FOUND: return "not_found";
    default: return "pending";
    }
}

const char *gp_update_action_name(int action)
{
    switch (action) {
    case GP_UPD_KEPT: return "kept";
    case GP_UPD_REBALANCED: return "rebalanced";
    case GP_UPD_REDRAWN: return "redrawn";
    default: return "none";
    }
}

void gp_bounds_text(char *buf, size_t len, const char *name, double lo, double hi)
{
    size_t used = strlen(buf);
    if (used < len)
        snprintf(buf + used, len - used, "%s=%.17g..%.17g;", name, lo, hi);
}

void gp_previous_free(gp_previous *p)
{
    for (int i = 0; i < p->n_comms; i++)
        free(p->comms[i].id), free(p->comms[i].search), free(p->comms[i].bound_by), free(p->comms[i].reason);
    for (int i = 0; i < p->n_atoms; i++)
        free(p->atoms[i].id), free(p->atoms[i].grid), free(p->atoms[i].community);
    for (int i = 0; i < p->n_workers; i++)
        free(p->workers[i].id), free(p->workers[i].community), free(p->workers[i].grids);
    free(p->comms), free(p->atoms), free(p->workers), free(p->dir);
    memset(p, 0, sizeof *p);
}

static int cmp_comm(const void *a, const void *b)
{
    return strcmp(((const gp_prev_comm *)a)->id, ((const gp_prev_comm *)b)->id);
}

static int cmp_atom(const void *a, const void *b)
{
    return strcmp(((const gp_prev_atom *)a)->id, ((const gp_prev_atom *)b)->id);
}

static int cmp_worker(const void *a, const void *b)
{
    return strcmp(((const gp_prev_worker *)a)->id, ((const gp_prev_worker *)b)->id);
}

const gp_prev_worker *gp_previous_worker(const gp_previous *p, const char *id)
{
    gp_prev_worker key = {.id = (char *)id};
    return p->n_workers ? bsearch(&key, p->workers, (size_t)p->n_workers, sizeof *p->workers, cmp_worker) : NULL;
}

void gp_previous_sort(gp_previous *p)
{
    if (p->n_workers)
        qsort(p->workers, (size_t)p->n_workers, sizeof *p->workers, cmp_worker);
    if (p->n_comms)
        qsort(p->comms, (size_t)p->n_comms, sizeof *p->comms, cmp_comm);
    if (p->n_atoms)
        qsort(p->atoms, (size_t)p->n_atoms, sizeof *p->atoms, cmp_atom);
}

const gp_prev_comm *gp_previous_comm(const gp_previous *p, const char *id)
{
    gp_prev_comm key = {.id = (char *)id};
    return p->n_comms ? bsearch(&key, p->comms, (size_t)p->n_comms, sizeof *p->comms, cmp_comm) : NULL;
}

const gp_prev_atom *gp_previous_atom(const gp_previous *p, const char *id)
{
    gp_prev_atom key = {.id = (char *)id};
    return p->n_atoms ? bsearch(&key, p->atoms, (size_t)p->n_atoms, sizeof *p->atoms, cmp_atom) : NULL;
}

void gp_weights_free(gp_ctx *ctx, gp_weights *w)
{
    for (int i = 0; i < w->n; i++)
        GEOSGeom_destroy_r(ctx->geos, w->geoms[i]);
    free(w->geoms);
    free(w->w);
    if (w->tree)
        GEOSSTRtree_destroy_r(ctx->geos, w->tree);
    memset(w, 0, sizeof *w);
}

static void workers_free(gp_dataset *ds)
{
    for (int i = 0; i < ds->n_workers; i++) {
        gp_worker *w = &ds->workers[i];
        free(w->id), free(w->name), free(w->cur_text), free(w->cur);
        gp_ivec_free(&w->grids);
    }
    free(ds->workers);
    ds->workers = NULL;
    ds->n_workers = 0;
}

void gp_dataset_free(gp_ctx *ctx, gp_dataset *ds)
{
    if (!ds)
        return;
    GEOSContextHandle_t h = ctx->geos;
    gp_previous_free(&ds->prev);
    for (int i = 0; i < ds->n_units; i++) {
        free(ds->units[i].id);
        free(ds->units[i].lock);
        if (ds->units[i].geom)
            GEOSGeom_destroy_r(h, ds->units[i].geom);
    }
    free(ds->units);
    for (int i = 0; i < ds->n_comms; i++) {
        free(ds->comms[i].id);
        free(ds->comms[i].name);
        free(ds->comms[i].code);
        if (ds->comms[i].prep)
            GEOSPreparedGeom_destroy_r(h, ds->comms[i].prep);
        if (ds->comms[i].geom)
            GEOSGeom_destroy_r(h, ds->comms[i].geom);
    }
    free(ds->comms);
    for (int i = 0; i < ds->n_atoms; i++) {
        free(ds->atoms[i].id);
        if (ds->atoms[i].geom)
            GEOSGeom_destroy_r(h, ds->atoms[i].geom);
    }
    free(ds->atoms);
    free(ds->cases);
    for (int i = 0; i < ds->n_case_types; i++)
        free(ds->case_types[i]);
    free(ds->case_types);
    free(ds->case_weights);
    for (int i = 0; i < ds->n_existing; i++) {
        free(ds->existing[i].id);
        if (ds->existing[i].geom)
            GEOSGeom_destroy_r(h, ds->existing[i].geom);
    }
    free(ds->existing);
    workers_free(ds);
    free(ds->input_crs_def);
    gp_input_info *ins[] = {&ds->in_units, &ds->in_comms, &ds->in_cases, &ds->in_existing, &ds->in_weights,
                            &ds->in_workers};
    for (int i = 0; i < 6; i++) {
        free(ins[i]->path);
        free(ins[i]->layer);
        free(ins[i]->crs);
    }
    free(ds->xadj);
    free(ds->adj);
    free(ds->adjw);
    free(ds->case_counts);
    for (int i = 0; i < ds->n_repaired_ids; i++)
        free(ds->repaired[i]);
    free(ds->repaired);
    for (int i = 0; i < ds->n_empty; i++)
        free(ds->empty[i]);
    free(ds->empty);
    gp_ivec_free(&ds->moved_units);
    gp_ivec_free(&ds->moved_to);
    gp_ivec_free(&ds->bridges);
    gp_weights_free(ctx, &ds->weights);
    memset(ds, 0, sizeof *ds);
}

void gp_plan_free(gp_ctx *ctx, gp_plan *plan)
{
    if (!plan)
        return;
    for (int g = 0; g < plan->n_grids; g++) {
        free(plan->grids[g].id);
        free(plan->grids[g].workers);
        if (plan->grids[g].geom)
            GEOSGeom_destroy_r(ctx->geos, plan->grids[g].geom);
    }
    free(plan->grids);
    memset(plan, 0, sizeof *plan);
}
