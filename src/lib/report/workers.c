/* The "workers" section of report.json: the roster, the spread of
 * workload per FTE before and after, the allocation's transfers and each
 * community's assignment. */
#include <math.h>
#include <stdio.h>

#include "report/report.h"

static void spread_obj(gp_json *j, const char *key, const gp_workers_stats *s)
{
    gp_json_key(j, key);
    gp_json_obj_begin(j);
    gp_json_key(j, "workers");
    gp_json_int(j, s->n);
    gp_json_key(j, "min");
    gp_json_num(j, s->min);
    gp_json_key(j, "max");
    gp_json_num(j, s->max);
    gp_json_key(j, "max_min_ratio");
    gp_json_num(j, s->ratio);
    gp_json_key(j, "cv");
    gp_json_num(j, s->cv);
    gp_json_key(j, "idle");
    gp_json_int(j, s->idle);
    gp_json_obj_end(j);
}

/* Transfers between communities, or placements of workers the roster gave
 * no community (those are not transfers). */
static void moves_arr(gp_json *j, const gp_dataset *ds, bool transfers)
{
    gp_json_key(j, transfers ? "transfers" : "placed");
    gp_json_arr_begin(j);
    for (int i = 0; i < ds->n_workers; i++) {
        const gp_worker *w = &ds->workers[i];
        if (w->comm == w->home || (w->home >= 0) != transfers)
            continue;
        gp_json_obj_begin(j);
        gp_json_key(j, "worker");
        gp_json_str(j, w->id);
        gp_json_key(j, "name");
        gp_json_str(j, w->name);
        gp_json_key(j, "fte");
        gp_json_num(j, w->fte);
        gp_json_key(j, "from");
        if (w->home >= 0)
            gp_json_str(j, ds->comms[w->home].id);
        else
            gp_json_null(j);
        gp_json_key(j, "to");
        gp_json_str(j, ds->comms[w->comm].id);
        gp_json_obj_end(j);
    }
    gp_json_arr_end(j);
}

void gp_report_workers(gp_json *j, const gp_dataset *ds, const gp_plan *plan)
{
    gp_json_key(j, "workers");
    if (!ds->has_workers) {
        gp_json_null(j);
        return;
    }
    double fte = 0, work = 0;
    int changed = 0, over = 0, unstaffed = 0;
    for (int i = 0; i < ds->n_workers; i++) {
        const gp_worker *w = &ds->workers[i];
        fte += w->fte;
        changed += w->changed == 1;
        over += w->load > w->fte * ds->capacity * (1 + 1e-6);
    }
    for (int c = 0; c < ds->n_comms; c++)
        work += ds->comms[c].work;
    for (int g = 0; g < plan->n_grids; g++)
        unstaffed += !plan->grids[g].workers;
    gp_json_obj_begin(j);
    gp_json_key(j, "workers");
    gp_json_int(j, ds->n_workers);
    gp_json_key(j, "fte");
    gp_json_num(j, fte);
    gp_json_key(j, "workload");
    gp_json_num(j, work);
    gp_json_key(j, "capacity_per_fte");
    gp_json_num(j, ds->capacity);
    gp_json_key(j, "roster_problem");
    if (ds->roster_reason[0])
        gp_json_str(j, ds->roster_reason);
    else
        gp_json_null(j);
    gp_workers_stats b, a;
    gp_staff_spread(ds, false, &b);
    gp_staff_spread(ds, true, &a);
    gp_json_key(j, "workload_per_fte");
    gp_json_obj_begin(j);
    spread_obj(j, "before", &b);
    spread_obj(j, "after", &a);
    gp_json_obj_end(j);
    gp_json_key(j, "workers_changed");
    gp_json_int(j, changed);
    gp_json_key(j, "workers_over_capacity");
    gp_json_int(j, over);
    gp_json_key(j, "grids_unstaffed");
    gp_json_int(j, unstaffed);
    gp_json_key(j, "allocation");
    if (!ds->allocated) {
        gp_json_null(j);
    } else {
        gp_json_obj_begin(j);
        gp_json_key(j, "status");
        gp_json_str(j, gp_comm_status_name(ds->alloc_status));
        if (ds->alloc_reason[0]) {
            gp_json_key(j, "reason");
            gp_json_str(j, ds->alloc_reason);
        }
        gp_json_key(j, "objective");
        gp_json_num(j, ds->alloc_objective);
        gp_json_key(j, "gap");
        gp_json_num(j, ds->alloc_gap);
        gp_json_key(j, "seconds");
        gp_json_num(j, ds->alloc_seconds);
        moves_arr(j, ds, true);
        moves_arr(j, ds, false);
        gp_json_obj_end(j);
    }
    gp_json_key(j, "communities");
    gp_json_arr_begin(j);
    for (int c = 0; c < ds->n_comms; c++) {
        const gp_community *cm = &ds->comms[c];
        gp_json_obj_begin(j);
        gp_json_key(j, "id");
        gp_json_str(j, cm->id);
        gp_json_key(j, "workload");
        gp_json_num(j, cm->work);
        gp_json_key(j, "fte_before");
        gp_json_num(j, cm->fte0);
        gp_json_key(j, "fte_after");
        gp_json_num(j, cm->fte1);
        gp_json_key(j, "workload_per_fte_before");
        gp_json_num(j, cm->fte0 > 0 ? cm->work / cm->fte0 : NAN);
        gp_json_key(j, "workload_per_fte_after");
        gp_json_num(j, cm->fte1 > 0 ? cm->work / cm->fte1 : NAN);
        gp_json_key(j, "workers");
        gp_json_int(j, cm->n_workers);
        gp_json_key(j, "grids");
        gp_json_int(j, cm->n_grids);
        gp_json_key(j, "status");
        gp_json_str(j, cm->wstatus == GP_CS_PENDING ? "none" : gp_comm_status_name(cm->wstatus));
        if (cm->wreason[0]) {
            gp_json_key(j, "reason");
            gp_json_str(j, cm->wreason);
        }
        gp_json_key(j, "objective");
        gp_json_num(j, cm->wobjective);
        gp_json_key(j, "gap");
        gp_json_num(j, cm->wgap);
        gp_json_key(j, "seconds");
        gp_json_num(j, cm->wseconds);
        gp_json_obj_end(j);
    }
    gp_json_arr_end(j);
    gp_json_obj_end(j);
}
