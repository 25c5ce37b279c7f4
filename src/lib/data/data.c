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
