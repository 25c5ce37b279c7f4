/* The jobs of a run on the pool: every community's partition, the
 * head-count allocation, every community's assignment; each gathered in
 * community order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"

/* The first pass gives each community this share of its budget; the rest
 * of the run's budget goes to the second (design.md, "Work budgets"). */
#define FIRST_PASS 0.6
/* No community gets more than this many times its budget in the second. */
#define SECOND_CAP 1.0

typedef struct part_args {
    const gp_config *cfg;
    gp_job *jobs;
    const int *ids;              /* the pass's communities, job i = ids[i] */
    const double *budget;        /* per job of the pass */
} part_args;

static void first_pass(gp_ctx *tctx, int i, void *user)
{
    part_args *a = user;
    gp_job *j = &a->jobs[a->ids[i]];
    if (j->ds->comms[j->c].update == GP_UPD_KEPT)
        gp_job_keep(j, tctx);
    else
        gp_job_solve(j, tctx, a->budget[i], a->cfg->solver.time_limit);
}

static void second_pass(gp_ctx *tctx, int i, void *user)
{
    part_args *a = user;
    gp_job_improve(&a->jobs[a->ids[i]], tctx, a->budget[i], a->cfg->solver.time_limit);
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

/* What the passes need of each community's first pass: the same on every
 * process (gp_mpi_sum), whichever solved it. */
enum { F_USED, F_OPEN, F_OBJ, F_BOUND, NF };

/* The second pass: what the first left of the run's budget, to the open
 * communities by their gap (at most 10 %) times their budget; into
 * open[0..*no) and extra[]. Returns what the first pass left. */
static double second_shares(const double *f, const double *whole, int n, int *open, double *extra, int *no)
{
    double pool = 0, weight = 0;
    int m = 0;
    for (int c = 0; c < n; c++) {
        const double *fc = f + (size_t)c * NF;
        pool += whole[c] - fc[F_USED];
        if (fc[F_OPEN] > 0) {
            double obj = fc[F_OBJ], bound = fc[F_BOUND];
            double gap = isfinite(bound) && obj > 0 ? (obj - bound) / obj : 1;
            extra[m] = fmin(0.1, fmax(0, gap)) * whole[c];
            weight += extra[m];
            open[m++] = c;
        }
    }
    for (int q = 0; q < m; q++)
        extra[q] = weight > 0 && pool > 0 ? fmin(pool * extra[q] / weight, SECOND_CAP * whole[open[q]]) : 0;
    int nq = 0; /* only the jobs with something to spend */
    for (int q = 0; q < m; q++)
        if (extra[q] > 0)
            open[nq] = open[q], extra[nq++] = extra[q];
    *no = nq;
    return pool;
}

/* The processes' shares: each community, largest budget first, to the
 * process with the least budget so far (ties: the lowest rank). */
static void owners(const double *whole, const int *order, int n, int size, int *owner)
{
    double *load = calloc((size_t)size, sizeof *load);
    for (int q = 0; q < n; q++) {
        int best = 0;
        for (int r = 1; load && r < size; r++)
            if (load[r] < load[best])
                best = r;
        owner[order[q]] = load ? best : q % size;
        if (load)
            load[best] += whole[order[q]] + 1; /* + 1: kept communities count too */
    }
    free(load);
}

/* Process 0: the results of the jobs another process solved. */
static gp_status take_jobs(gp_ctx *ctx, const void *buf, size_t len, void *user)
{
    gp_job *jobs = user;
    const unsigned char *p = buf, *end = p + len;
    while (p < end) {
        int c;
        if ((size_t)(end - p) < sizeof c)
            return gp_fail(ctx, GP_ERR_INTERNAL, "a process sent a malformed job");
        memcpy(&c, p, sizeof c);
        size_t used = gp_job_unpack(&jobs[c], p, end);
        if (!used)
            return jobs[c].st ? jobs[c].st : gp_fail(ctx, GP_ERR_INTERNAL, "a process sent a malformed job");
        p += used;
    }
    return GP_OK;
}

gp_status gp_exec_partition(gp_ctx *ctx, const gp_config *cfg, const gp_part_problem *tmpl, gp_dataset *ds,
                            gp_plan *plan)
{
    int n = ds->n_comms, size = gp_mpi_size(ctx), rank = gp_mpi_rank(ctx);
    size_t n1 = (size_t)(n ? n : 1);
    gp_job *jobs = calloc(n1, sizeof *jobs);
    double *whole = malloc(n1 * sizeof *whole), *budget = malloc(n1 * sizeof *budget);
    double *f = calloc(n1 * NF, sizeof *f), *extra = malloc(n1 * sizeof *extra);
    int *order = malloc(n1 * sizeof *order), *owner = malloc(n1 * sizeof *owner), *ids = malloc(n1 * sizeof *ids);
    int *open = malloc(n1 * sizeof *open);
    unsigned char *out = NULL;
    size_t out_len = 0, out_cap = 0;
    gp_status st = jobs && whole && budget && f && extra && order && owner && ids && open ? GP_OK : GP_ERR_NOMEM;
    if (!st)
        plan->budget = gp_plan_budgets(cfg, ds, whole);
    for (int c = 0; !st && c < n; c++) {
        gp_job_init(&jobs[c], ds, tmpl, c);
        if (ds->comms[c].update == GP_UPD_KEPT) { /* an update keeps its grids: no search */
            plan->budget -= whole[c];
            whole[c] = 0;
        }
    }
    /* the first pass: each community FIRST_PASS of its budget, largest
     * first; with processes, only this process's share of them */
    int mine = 0;
    if (!st) {
        order_by(whole, n, order);
        owners(whole, order, n, size, owner);
        for (int q = 0; q < n; q++)
            if (owner[order[q]] == rank) {
                ids[mine] = order[q];
                budget[mine++] = FIRST_PASS * whole[order[q]];
            }
        part_args a = {cfg, jobs, ids, budget};
        gp_progress_total(ctx, "communities", mine);
        st = gp_exec_jobs(ctx, cfg->solver.threads, mine, NULL, first_pass, &a);
    }
    for (int q = 0; !st && q < mine; q++) {
        const gp_job *j = &jobs[ids[q]];
        double *fc = f + (size_t)ids[q] * NF;
        fc[F_USED] = j->work.used;
        fc[F_OPEN] = gp_job_open(j, cfg->solver.gap);
        fc[F_OBJ] = j->objective;
        fc[F_BOUND] = j->bound;
    }
    st = gp_mpi_sum(ctx, st, f, n * NF);
    /* the second pass: the same shares on every process; each solves its own */
    if (!st) {
        int no = 0;
        double pool = second_shares(f, whole, n, open, extra, &no);
        gp_log(ctx, GP_LOG_DEBUG, "partition: second pass: %d of %d communities open, %.3g work units to share", no,
               n, pool);
        order_by(extra, no, order);
        mine = 0;
        for (int q = 0; q < no; q++)
            if (owner[open[order[q]]] == rank) {
                ids[mine] = open[order[q]];
                budget[mine++] = extra[order[q]];
            }
        part_args a = {cfg, jobs, ids, budget};
        gp_progress_total(ctx, "communities", mine); /* the second pass counts again */
        st = gp_exec_jobs(ctx, cfg->solver.threads, mine, NULL, second_pass, &a);
    }
    /* with processes, process 0 gathers the others' results */
    if (size > 1) {
        for (int c = 0; !st && c < n; c++)
            if (owner[c] == rank && rank != 0 && !gp_job_pack(&jobs[c], &out, &out_len, &out_cap))
                st = GP_ERR_NOMEM;
        st = gp_mpi_gather(ctx, st, out, out_len, take_jobs, jobs);
    }
    for (int c = 0; c < n; c++) {
        if (!st && rank == 0)
            st = gp_job_finish(ctx, &jobs[c], plan, cfg->solver.gap);
        gp_community *cm = &ds->comms[c];
        if (!st && rank == 0 && ds->is_update && cm->update != GP_UPD_KEPT)
            cm->update = jobs[c].res.rebalanced ? GP_UPD_REBALANCED : GP_UPD_REDRAWN;
        if (!st && rank == 0) {
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
    free(jobs), free(whole), free(budget), free(f), free(extra), free(order), free(owner), free(ids), free(open);
    free(out);
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
    if (!st) {
        gp_progress_total(ctx, "communities", nc);
        st = gp_exec_jobs(ctx, cfg->solver.threads, nc, NULL, assign_job, &a);
    }
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
