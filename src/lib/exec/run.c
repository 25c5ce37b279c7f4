/* The jobs of a run on the pool: every community's partition, the
 * head-count allocation, every community's assignment; each gathered in
 * community order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "exec/exec.h"

/* The first pass gives each community this share of its budget; the rest
 * of the run's budget goes to the second (design.md, "Work budgets"). */
#define FIRST_PASS 0.6
/* No community gets more than this many times its budget in the second. */
#define SECOND_CAP 1.0

typedef struct part_args {
    const gp_config *cfg;
    gp_job *jobs;
    const int *open;             /* second pass: the open jobs */
    double *budget;              /* per job of the pass */
} part_args;

static void first_pass(gp_ctx *tctx, int i, void *user)
{
    part_args *a = user;
    gp_job *j = &a->jobs[i];
    if (j->ds->comms[j->c].update == GP_UPD_KEPT)
        gp_job_keep(j, tctx);
    else
        gp_job_solve(j, tctx, a->budget[i], a->cfg->solver.time_limit);
}

static void second_pass(gp_ctx *tctx, int i, void *user)
{
    part_args *a = user;
    gp_job_improve(&a->jobs[a->open[i]], tctx, a->budget[i], a->cfg->solver.time_limit);
}

static int cmp_desc(const void *x, const void *y, void *key)
{
    const double *k = key;
    int a = *(const int *)x, b = *(const int *)y;
    if (k[a] != k[b])
        return k[a] < k[b] ? 1 : -1;
    return (a > b) - (a < b);
}

/* 0..n-1 by key, largest first (ties by index). */
static void order_by(const double *key, int n, int *order)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, (size_t)n, sizeof *order, cmp_desc, (void *)key);
}

/* The second pass: what the first left of the run's budget, to the open
 * communities by their gap (at most 10 %) times their budget. */
static gp_status second(gp_ctx *ctx, const gp_config *cfg, gp_job *jobs, const double *whole, int n)
{
    double pool = 0, weight = 0;
    int *open = malloc((size_t)n * sizeof *open), *order = malloc((size_t)n * sizeof *order), no = 0;
    double *extra = malloc((size_t)n * sizeof *extra);
    if (!open || !order || !extra) {
        free(open), free(order), free(extra);
        return GP_ERR_NOMEM;
    }
    for (int c = 0; c < n; c++) {
        pool += whole[c] - jobs[c].work.used;
        if (gp_job_open(&jobs[c], cfg->solver.gap)) {
            const gp_job *j = &jobs[c];
            double gap = isfinite(j->bound) && j->objective > 0 ? (j->objective - j->bound) / j->objective : 1;
            extra[no] = fmin(0.1, fmax(0, gap)) * whole[c];
            weight += extra[no];
            open[no++] = c;
        }
    }
    for (int q = 0; q < no; q++)
        extra[q] = weight > 0 && pool > 0 ? fmin(pool * extra[q] / weight, SECOND_CAP * whole[open[q]]) : 0;
    int nq = 0; /* only the jobs with something to spend */
    for (int q = 0; q < no; q++)
        if (extra[q] > 0)
            open[nq] = open[q], extra[nq++] = extra[q];
    gp_log(ctx, GP_LOG_DEBUG, "partition: second pass: %d of %d communities open, %.3g work units to share", nq, n,
           pool);
    order_by(extra, nq, order);
    part_args a = {cfg, jobs, open, extra};
    gp_status st = gp_exec_jobs(ctx, cfg->solver.threads, nq, order, second_pass, &a);
    free(open), free(order), free(extra);
    return st;
}

gp_status gp_exec_partition(gp_ctx *ctx, const gp_config *cfg, const gp_part_problem *tmpl, gp_dataset *ds,
                            gp_plan *plan)
{
    int n = ds->n_comms;
    gp_job *jobs = calloc((size_t)(n ? n : 1), sizeof *jobs);
    double *whole = malloc((size_t)(n ? n : 1) * sizeof *whole), *first = malloc((size_t)(n ? n : 1) * sizeof *first);
    int *order = malloc((size_t)(n ? n : 1) * sizeof *order);
    gp_status st = jobs && whole && first && order ? GP_OK : GP_ERR_NOMEM;
    if (!st)
        plan->budget = gp_plan_budgets(cfg, ds, whole);
    for (int c = 0; !st && c < n; c++) {
        gp_job_init(&jobs[c], ds, tmpl, c);
        if (ds->comms[c].update == GP_UPD_KEPT) { /* an update keeps its grids: no search */
            plan->budget -= whole[c];
            whole[c] = 0;
        }
        first[c] = FIRST_PASS * whole[c];
    }
    if (!st) {
        order_by(whole, n, order);
        part_args a = {cfg, jobs, NULL, first};
        st = gp_exec_jobs(ctx, cfg->solver.threads, n, order, first_pass, &a);
    }
    if (!st)
        st = second(ctx, cfg, jobs, whole, n);
    for (int c = 0; c < n; c++) {
        if (!st)
            st = gp_job_finish(ctx, &jobs[c], plan, cfg->solver.gap);
        gp_community *cm = &ds->comms[c];
        if (!st && ds->is_update && cm->update != GP_UPD_KEPT)
            cm->update = jobs[c].res.rebalanced ? GP_UPD_REBALANCED : GP_UPD_REDRAWN;
        if (!st) {
            char gap[32] = "gap unknown";
            if (isfinite(cm->gap))
                snprintf(gap, sizeof gap, "gap %.1f%%", 100 * cm->gap);
            gp_log(ctx, GP_LOG_INFO, "community %d/%d '%s': %d atoms -> %d grids, %s, %s (%.2f s)", c + 1, n, cm->id,
                   cm->n_atoms, cm->n_grids, gp_comm_unmet(cm->status) ? "BOUNDS NOT MET" : "within bounds", gap,
                   cm->seconds);
        }
        if (jobs)
            gp_job_free(&jobs[c]);
    }
    free(jobs), free(whole), free(first), free(order);
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
    gp_status st = gp_exec_jobs(ctx, 1, 1, NULL, allocate_job, &a);
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
        st = gp_exec_jobs(ctx, cfg->solver.threads, nc, NULL, assign_job, &a);
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
