/* The "workers" section of report.json: the roster, the spread of
 * workload per FTE before and after, the allocation's transfers and each
 * community's assignment. */
#include <math.h>
#include <stdio.h>

#include "report/report.h"

static void spread_obj(gp_json *j, const char *key, const gp_workers_stats *s)
{
    gp_json_kobj(j, key);
    gp_json_kint(j, "workers", s->n);
    gp_json_knum(j, "min", s->min);
    gp_json_knum(j, "max", s->max);
    gp_json_knum(j, "max_min_ratio", s->ratio);
    gp_json_knum(j, "cv", s->cv);
    gp_json_kint(j, "idle", s->idle);
    gp_json_obj_end(j);
}

/* Transfers between communities, or placements of workers the roster gave
 * no community (those are not transfers). */
static void moves_arr(gp_json *j, const gp_dataset *ds, bool transfers)
{
    gp_json_karr(j, transfers ? "transfers" : "placed");
    for (int i = 0; i < ds->n_workers; i++) {
        const gp_worker *w = &ds->workers[i];
        if (w->comm == w->home || (w->home >= 0) != transfers)
            continue;
        gp_json_obj_begin(j);
        gp_json_kstr(j, "worker", w->id);
        gp_json_kstr(j, "name", w->name);
        gp_json_knum(j, "fte", w->fte);
        gp_json_key(j, "from");
        if (w->home >= 0)
            gp_json_str(j, ds->comms[w->home].id);
        else
            gp_json_null(j);
        gp_json_kstr(j, "to", ds->comms[w->comm].id);
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
    gp_json_kint(j, "workers", ds->n_workers);
    gp_json_knum(j, "fte", fte);
    gp_json_knum(j, "workload", work);
    gp_json_knum(j, "capacity_per_fte", ds->capacity);
    gp_json_key(j, "roster_problem");
    if (ds->roster_reason[0])
        gp_json_str(j, ds->roster_reason);
    else
        gp_json_null(j);
    gp_workers_stats b, a;
    gp_staff_spread(ds, false, &b);
    gp_staff_spread(ds, true, &a);
    gp_json_kobj(j, "workload_per_fte");
    spread_obj(j, "before", &b);
    spread_obj(j, "after", &a);
    gp_json_obj_end(j);
    gp_json_kint(j, "workers_changed", changed);
    gp_json_kint(j, "workers_over_capacity", over);
    gp_json_kint(j, "grids_unstaffed", unstaffed);
    gp_json_key(j, "allocation");
    if (!ds->allocated) {
        gp_json_null(j);
    } else {
        gp_json_obj_begin(j);
        gp_json_kstr(j, "status", gp_comm_status_name(ds->alloc_status));
        if (ds->alloc_reason[0]) {
            gp_json_kstr(j, "reason", ds->alloc_reason);
        }
        gp_json_knum(j, "objective", ds->alloc_objective);
        gp_json_knum(j, "gap", ds->alloc_gap);
        gp_json_knum(j, "seconds", ds->alloc_seconds);
        moves_arr(j, ds, true);
        moves_arr(j, ds, false);
        gp_json_obj_end(j);
    }
    gp_json_karr(j, "communities");
    for (int c = 0; c < ds->n_comms; c++) {
        const gp_community *cm = &ds->comms[c];
        gp_json_obj_begin(j);
        gp_json_kstr(j, "id", cm->id);
        gp_json_knum(j, "workload", cm->work);
        gp_json_knum(j, "fte_before", cm->fte0);
        gp_json_knum(j, "fte_after", cm->fte1);
        gp_json_knum(j, "workload_per_fte_before", cm->fte0 > 0 ? cm->work / cm->fte0 : NAN);
        gp_json_knum(j, "workload_per_fte_after", cm->fte1 > 0 ? cm->work / cm->fte1 : NAN);
        gp_json_kint(j, "workers", cm->n_workers);
        gp_json_kint(j, "grids", cm->n_grids);
        gp_json_kstr(j, "status", cm->wstatus == GP_CS_PENDING ? "none" : gp_comm_status_name(cm->wstatus));
        if (cm->wreason[0]) {
            gp_json_kstr(j, "reason", cm->wreason);
        }
        gp_json_knum(j, "objective", cm->wobjective);
        gp_json_knum(j, "gap", cm->wgap);
        gp_json_knum(j, "seconds", cm->wseconds);
        gp_json_obj_end(j);
    }
    gp_json_arr_end(j);
    gp_json_obj_end(j);
}
