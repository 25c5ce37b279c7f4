/* The roster in the plan in force: each community's workload and FTE,
 * each worker's load today, the capacity per FTE, and the spread of
 * workload per FTE before and after. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "staff/staff.h"

/* The worker programs' budget for effort 1: a base and a share per column. */
#define BUDGET_BASE 5e5
#define BUDGET_COLUMN 100

double gp_staff_budget(const gp_config *cfg, int cols)
{
    return cfg->solver.effort * (BUDGET_BASE + BUDGET_COLUMN * cols);
}

/* Grids from FTE under count = workers: one per whole FTE, at least one. */
static int grids_for_fte(double fte)
{
    int k = (int)floor(fte + 1e-9);
    return k < 1 ? 1 : k;
}

gp_status gp_staff_prepare(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds)
{
    if (!ds->has_workers)
        return GP_OK;
    for (int c = 0; c < ds->n_comms; c++) {
        gp_community *cm = &ds->comms[c];
        cm->work = cm->fte0 = cm->fte1 = 0;
        cm->n_workers = 0;
        cm->wstatus = GP_CS_PENDING;
        cm->wobjective = cm->wgap = NAN;
    }
    for (int i = 0; i < ds->n_atoms; i++)
        ds->comms[ds->atoms[i].community].work += ds->atoms[i].v[GP_A_WORK];
    double fte = 0, work = 0, pool = 0;
    for (int i = 0; i < ds->n_workers; i++) {
        gp_worker *w = &ds->workers[i];
        if (w->home >= 0) {
            ds->comms[w->home].fte0 += w->fte;
            ds->comms[w->home].n_workers++;
        } else {
            pool += w->fte;
        }
        fte += w->fte;
    }
    for (int c = 0; c < ds->n_comms; c++) {
        ds->comms[c].fte1 = ds->comms[c].fte0;
        work += ds->comms[c].work;
    }
    if (fte <= 0)
        return gp_fail(ctx, GP_ERR_INPUT, "%s: every worker has 0 FTE: give the workers their capacity "
                       "([input] workers.fte, 1.0 full-time)", ds->in_workers.path);
    /* each existing grid's workload, shared by the workers who hold it in
     * proportion to their FTE */
    int ne = ds->n_existing;
    double *ew = calloc((size_t)(ne ? ne : 1), sizeof *ew), *ef = calloc((size_t)(ne ? ne : 1), sizeof *ef);
    int *en = calloc((size_t)(ne ? ne : 1), sizeof *en);
    if (!ew || !ef || !en) {
        free(ew), free(ef), free(en);
        return GP_ERR_NOMEM;
    }
    for (int i = 0; i < ds->n_atoms; i++)
        if (ds->atoms[i].existing >= 0)
            ew[ds->atoms[i].existing] += ds->atoms[i].v[GP_A_WORK];
    for (int i = 0; i < ds->n_workers; i++)
        for (int k = 0; k < ds->workers[i].n_cur; k++) {
            ef[ds->workers[i].cur[k]] += ds->workers[i].fte;
            en[ds->workers[i].cur[k]]++;
        }
    for (int i = 0; i < ds->n_workers; i++) {
        gp_worker *w = &ds->workers[i];
        w->load0 = 0;
        for (int k = 0; k < w->n_cur; k++) {
            int e = w->cur[k];
            w->load0 += ef[e] > 0 ? ew[e] * w->fte / ef[e] : ew[e] / en[e];
        }
    }
    free(ew), free(ef), free(en);
    ds->capacity = cfg->workers.capacity;
    if (!isfinite(ds->capacity))
        ds->capacity = work > 0 ? 1.25 * work / fte : 1; /* no workload: any capacity holds */
    ds->roster_reason[0] = '\0';
    if (work > ds->capacity * fte * (1 + 1e-9)) {
        double short_by = work - ds->capacity * fte;
        snprintf(ds->roster_reason, sizeof ds->roster_reason, "the roster's %.1f FTE carry %.0f workload at %.0f "
                 "per FTE ([workers] capacity), but the grids need %.0f: short by %.0f workload (%.1f FTE): add "
                 "workers or raise [workers] capacity", fte, ds->capacity * fte, ds->capacity, work, short_by,
                 short_by / ds->capacity);
        gp_log(ctx, GP_LOG_WARN, "%s: %s", ds->in_workers.path, ds->roster_reason);
    }
    bool allocate = cfg->workers.allocate;
    if (pool > 0 && !allocate)
        gp_log(ctx, GP_LOG_WARN, "%s: %.1f FTE of workers have no community and stay unused: give their "
               "community or set [workers] allocate = yes", ds->in_workers.path, pool);
    if (cfg->grid.count == GP_COUNT_WORKERS)
        for (int c = 0; c < ds->n_comms; c++)
            ds->comms[c].k_workers = grids_for_fte(ds->comms[c].fte0);
    gp_log(ctx, GP_LOG_INFO, "roster: %d workers, %.1f FTE, workload %.0f (%.0f per FTE), capacity %.0f per FTE",
           ds->n_workers, fte, work, work / fte, ds->capacity);
    return GP_OK;
}

void gp_staff_spread(const gp_dataset *ds, bool after, gp_workers_stats *out)
{
    double mn = INFINITY, mx = -INFINITY, sum = 0, sum2 = 0;
    int n = 0;
    out->idle = 0;
    for (int i = 0; i < ds->n_workers; i++) {
        const gp_worker *w = &ds->workers[i];
        if (w->fte <= 0 || (after ? w->comm : w->home) < 0)
            continue;
        double load = after ? w->load : w->load0;
        if (load <= 0) {
            out->idle++;
            continue;
        }
        double r = load / w->fte;
        mn = fmin(mn, r), mx = fmax(mx, r);
        sum += r, sum2 += r * r;
        n++;
    }
    out->n = n;
    out->min = n ? mn : NAN;
    out->max = n ? mx : NAN;
    out->ratio = n && mn > 0 ? mx / mn : NAN;
    double mean = n ? sum / n : NAN;
    out->cv = n && mean > 0 ? sqrt(fmax(0, sum2 / n - mean * mean)) / mean : NAN;
}

