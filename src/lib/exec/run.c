/* The jobs of a run on the pool: every community's partition, the
 * head-count allocation, every community's assignment; each gathered in
 * community order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "exec/exec.h"

static void partition_job(gp_ctx *tctx, int i, void *user)
{
    gp_job_solve(&((gp_job *)user)[i], tctx);
}

gp_status gp_exec_partition(gp_ctx *ctx, const gp_config *cfg, const gp_part_problem *tmpl, gp_dataset *ds,
                            gp_plan *plan)
{
    int n = ds->n_comms;
    gp_job *jobs = calloc((size_t)(n ? n : 1), sizeof *jobs);
    if (!jobs)
        return GP_ERR_NOMEM;
    for (int c = 0; c < n; c++)
        gp_job_init(&jobs[c], ds, tmpl, c);
    gp_status st = gp_exec_jobs(ctx, cfg->solver.threads, n, partition_job, jobs);
    for (int c = 0; c < n; c++) {
        if (!st)
            st = gp_job_finish(ctx, &jobs[c], plan, cfg->solver.gap);
        const gp_community *cm = &ds->comms[c];
        if (!st) {
            char gap[32] = "gap unknown";
            if (isfinite(cm->gap))
                snprintf(gap, sizeof gap, "gap %.1f%%", 100 * cm->gap);
            gp_log(ctx, GP_LOG_INFO, "community %d/%d '%s': %d atoms -> %d grids, %s, %s (%.2f s)", c + 1, n, cm->id,
                   cm->n_atoms, cm->n_grids, cm->status == GP_CS_INFEASIBLE ? "INFEASIBLE" : "within bounds", gap,
                   cm->seconds);
        }
        gp_job_free(&jobs[c]);
    }
    free(jobs);
    return st;
}

typedef struct alloc_args {
    const gp_config *cfg;
    gp_dataset *ds;
    const int *kmin, *kmax, *k;
    gp_status st;
    char err[2048];
} alloc_args;

static void allocate_job(gp_ctx *tctx, int i, void *user)
{
    alloc_args *a = user;
    (void)i;
    a->st = gp_staff_allocate(tctx, a->cfg, a->ds, a->kmin, a->kmax, a->k);
    if (a->st)
        snprintf(a->err, sizeof a->err, "%s", gp_ctx_errmsg(tctx));
}

gp_status gp_exec_allocate(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, const int *kmin, const int *kmax,
                           const int *k)
{
    if (!ds->has_workers || !cfg->workers.allocate)
        return GP_OK;
    alloc_args a = {cfg, ds, kmin, kmax, k, GP_OK, ""};
    gp_status st = gp_exec_jobs(ctx, 1, 1, allocate_job, &a);
    if (!st && a.st)
        st = a.err[0] ? gp_fail(ctx, a.st, "%s", a.err) : a.st;
    return st;
}

typedef struct assign_args {
    const gp_config *cfg;
    gp_dataset *ds;
    gp_plan *plan;
    gp_staff_grids sg;
    gp_status *st;               /* per community */
    char (*err)[512];            /* per community: the detail of an error */
} assign_args;

static void assign_job(gp_ctx *tctx, int c, void *user)
{
    assign_args *a = user;
    a->st[c] = gp_staff_assign(tctx, a->cfg, a->ds, a->plan, &a->sg, c);
    if (a->st[c])
        snprintf(a->err[c], sizeof a->err[c], "%s", gp_ctx_errmsg(tctx));
}

gp_status gp_exec_assign(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_plan *plan)
{
    if (!ds->has_workers)
        return GP_OK;
    int nc = ds->n_comms;
    assign_args a = {cfg, ds, plan, {0}, calloc((size_t)(nc ? nc : 1), sizeof *a.st),
                     calloc((size_t)(nc ? nc : 1), sizeof *a.err)};
    gp_status st = a.st && a.err ? gp_staff_grids_make(ctx, plan, &a.sg) : GP_ERR_NOMEM;
    if (!st)
        st = gp_exec_jobs(ctx, cfg->solver.threads, nc, assign_job, &a);
    for (int c = 0; c < nc && !st; c++) {
        if (a.st[c]) {
            st = a.err[c][0] ? gp_fail(ctx, a.st[c], "%s", a.err[c])
                             : gp_fail(ctx, a.st[c], "community '%s': worker assignment: %s", ds->comms[c].id,
                                       gp_strerror(a.st[c]));
            break;
        }
        if (ds->comms[c].wstatus == GP_CS_INFEASIBLE)
            gp_log(ctx, GP_LOG_WARN, "community '%s': workers: %s", ds->comms[c].id, ds->comms[c].wreason);
    }
    if (!st)
        gp_staff_changed(ds);
    gp_staff_grids_free(&a.sg);
    free(a.st), free(a.err);
    return st;
}
