/* The pipeline: load → atomize → cases → graph → partition → write, with
 * the output folder written under a temporary name and renamed at the end. */
#include <errno.h>
#include <glpk.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

const char *gp_comm_status_name(int status)
{
    switch (status) {
    case GP_CS_FEASIBLE: return "feasible";
    case GP_CS_OPTIMAL: return "optimal";
    case GP_CS_INFEASIBLE: return "infeasible";
    case GP_CS_TIME_LIMIT: return "time_limit";
    default: return "pending";
    }
}

/* Bounds and count from the scenario into a problem template. */
static void scenario_bounds(const gp_scenario *sc, gp_part_problem *p)
{
    for (int a = 0; a < GP_NATTR; a++) {
        p->lo[a] = -INFINITY;
        p->hi[a] = INFINITY;
    }
    static const struct { const char *key; int attr; } B[] = {
        {"households", GP_A_HH}, {"population", GP_A_POP}, {"cases", GP_A_CASES}, {"workload", GP_A_WORK}};
    for (int b = 0; b < 4; b++)
        gp_scn_range(sc, "grid", B[b].key, &p->lo[B[b].attr], &p->hi[B[b].attr]);
    const char *count = gp_scn_str(sc, "grid", "count", "auto");
    long n;
    double lo, hi;
    p->k_min = 1;
    p->k_max = 0;
    if (gp_parse_int(count, &n))
        p->k_min = p->k_max = (int)n;
    else if (gp_parse_range(count, &lo, &hi))
        p->k_min = (int)lo, p->k_max = (int)hi;
    /* the attribute that sets the grid count and leads region growing */
    if (isfinite(p->lo[GP_A_HH]) || isfinite(p->hi[GP_A_HH]))
        p->primary = GP_A_HH;
    else if (isfinite(p->lo[GP_A_POP]) || isfinite(p->hi[GP_A_POP]))
        p->primary = GP_A_POP;
    else if (isfinite(p->lo[GP_A_WORK]) || isfinite(p->hi[GP_A_WORK]))
        p->primary = GP_A_WORK;
    else if (isfinite(p->lo[GP_A_CASES]) || isfinite(p->hi[GP_A_CASES]))
        p->primary = GP_A_CASES;
    else
        p->primary = gp_scenario_get(sc, "input", "units.households") ? GP_A_HH : GP_A_POP;
    p->w_balance = gp_scn_num(sc, "objective", "balance", 1.0);
    p->w_compact = gp_scn_num(sc, "objective", "compactness", 0.5);
    p->w_stability = gp_scn_num(sc, "objective", "stability", 0);
    p->seed = (unsigned)gp_scn_num(sc, "solver", "seed", 1);
    p->time_limit = gp_scn_num(sc, "solver", "time_limit", 60);
    p->gap = gp_scn_num(sc, "solver", "gap", 1e-4);
}

typedef struct order_key { int g; long row; double x; } order_key;

static int cmp_order(const void *pa, const void *pb)
{
    const order_key *a = pa, *b = pb;
    if (a->row != b->row)
        return (a->row > b->row) - (a->row < b->row);
    if (a->x != b->x)
        return (a->x > b->x) - (a->x < b->x);
    return (a->g > b->g) - (a->g < b->g);
}

/* Partitions community c; appends its grids to the plan. Grid numbers run
 * north to south in rows, west to east inside a row. */
/* One community's partition, solved on a worker thread: the job reads the
 * dataset and writes only itself. */
typedef struct comm_job {
    gp_dataset *ds;
    const gp_part_problem *tmpl;
    int c;
    gp_part_problem p;
    double (*v)[GP_NATTR];
    double *x, *y;
    int *xadj, *adj, *existing, *lock;
    const char **lock_names;
    int *full, n_full, n_dedicated; /* problem index -> atom; dedicated atoms left out */
    gp_part_result res;
    gp_status st;
    double seconds, objective, bound;
    bool timed_out;              /* the search stopped at the time limit */
    const char *search;          /* as gp_community's */
    const char *bound_by;
    int lns_solved, lns_improved, lns_timed_out;
    char err[512];
} comm_job;

/* True when the problem's graph is one piece. */
static bool graph_connected(const gp_part_problem *p)
{
    int *all = calloc((size_t)p->n, sizeof *all);
    bool ok = all && gp_part_connected(p, all, 0);
    free(all);
    return ok;
}

/* Labels each connected piece of the graph 0, 1, ...; returns how many. */
static int label_components(const gp_part_problem *p, int *label)
{
    int n = p->n, k = 0;
    int *q = malloc((size_t)n * sizeof *q);
    for (int i = 0; i < n; i++)
        label[i] = -1;
    for (int s = 0; q && s < n; s++) {
        if (label[s] >= 0)
            continue;
        int head = 0, tail = 0;
        q[tail++] = s;
        label[s] = k;
        while (head < tail) {
            int u = q[head++];
            for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++)
                if (label[p->adj[e]] < 0) {
                    label[p->adj[e]] = k;
                    q[tail++] = p->adj[e];
                }
        }
        k++;
    }
    free(q);
    return k;
}

static void job_free(comm_job *j)
{
    gp_part_result_free(&j->res);
    free(j->v), free(j->x), free(j->y), free(j->xadj), free(j->adj), free(j->existing), free(j->lock);
    free(j->lock_names), free(j->full);
}

/* The community's problem: its atoms less the dedicated ones, renumbered,
 * with their graph, existing grids and lock groups. False on error
 * (j->st set). */
static bool job_build(comm_job *j)
{
    const gp_dataset *ds = j->ds;
    const gp_community *cm = &ds->comms[j->c];
    int n = cm->n_atoms, first = cm->first_atom;
    j->p = *j->tmpl;
    if (cm->k_workers > 0) /* count = workers */
        j->p.k_min = j->p.k_max = cm->k_workers;
    j->objective = j->bound = NAN;
    j->p.n = 0;
    if (n == 0)
        return true;
    /* dedicated units are grids of their own, outside the search: the
     * problem holds the other atoms, renumbered (full[q] = atom index) */
    j->full = malloc((size_t)n * sizeof *j->full);
    int *pos = malloc((size_t)n * sizeof *pos);
    if (!j->full || !pos) {
        free(pos);
        j->st = GP_ERR_NOMEM;
        return false;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        const gp_atom *a = &ds->atoms[first + i];
        bool ded = a->unit >= 0 && ds->units[a->unit].dedicated;
        pos[i] = ded ? -1 : m;
        if (!ded)
            j->full[m++] = i;
    }
    j->n_full = n;
    j->n_dedicated = n - m;
    j->p.n = m;
    int ne = 0;
    for (int q = 0; q < m; q++) {
        int i = first + j->full[q];
        for (int e = ds->xadj[i]; e < ds->xadj[i + 1]; e++)
            ne += pos[ds->adj[e] - first] >= 0;
    }
    j->v = malloc((size_t)(m ? m : 1) * sizeof *j->v);
    j->x = malloc((size_t)(m ? m : 1) * sizeof *j->x);
    j->y = malloc((size_t)(m ? m : 1) * sizeof *j->y);
    j->xadj = malloc((size_t)(m + 1) * sizeof *j->xadj);
    j->adj = malloc((size_t)(ne ? ne : 1) * sizeof *j->adj);
    j->existing = ds->has_existing ? malloc((size_t)(m ? m : 1) * sizeof *j->existing) : NULL;
    if (!j->v || !j->x || !j->y || !j->xadj || !j->adj || (ds->has_existing && !j->existing)) {
        free(pos);
        j->st = GP_ERR_NOMEM;
        return false;
    }
    ne = 0;
    for (int q = 0; q < m; q++) {
        const gp_atom *a = &ds->atoms[first + j->full[q]];
        memcpy(j->v[q], a->v, sizeof j->v[q]);
        j->x[q] = a->cx;
        j->y[q] = a->cy;
        if (j->existing)
            j->existing[q] = a->existing;
        j->xadj[q] = ne;
        int i = first + j->full[q];
        for (int e = ds->xadj[i]; e < ds->xadj[i + 1]; e++)
            if (pos[ds->adj[e] - first] >= 0)
                j->adj[ne++] = pos[ds->adj[e] - first];
    }
    j->xadj[m] = ne;
    free(pos);
    j->p.existing = j->existing;
    /* locked units: one group per lock label, in order of first atom */
    for (int q = 0; q < m; q++) {
        const gp_atom *a = &ds->atoms[first + j->full[q]];
        const char *lk = a->unit >= 0 ? ds->units[a->unit].lock : NULL;
        if (!lk)
            continue;
        if (!j->lock) {
            j->lock = malloc((size_t)m * sizeof *j->lock);
            j->lock_names = calloc((size_t)m, sizeof *j->lock_names);
            if (!j->lock || !j->lock_names) {
                j->st = GP_ERR_NOMEM;
                return false;
            }
            for (int r = 0; r < m; r++)
                j->lock[r] = -1;
        }
        int g = 0;
        while (g < j->p.n_locks && strcmp(j->lock_names[g], lk) != 0)
            g++;
        if (g == j->p.n_locks)
            j->lock_names[j->p.n_locks++] = lk;
        j->lock[q] = g;
    }
    j->p.lock = j->lock;
    j->p.lock_names = j->lock_names;
    j->p.v = (const double(*)[GP_NATTR])j->v;
    j->p.x = j->x;
    j->p.y = j->y;
    j->p.xadj = j->xadj;
    j->p.adj = j->adj;
    return true;
}

/* Seconds left of the community's time limit (60 without one). */
static double job_time_left(const comm_job *j, double t0)
{
    return j->p.time_limit > 0 ? j->p.time_limit - (gp_now() - t0) : 60;
}

/* The Lagrangian bound in the time left, when nothing else proved one. */
static void job_lagrange(comm_job *j, double t0)
{
    double left = job_time_left(j, t0);
    if (isfinite(j->bound) || left <= 0.05)
        return;
    j->bound_by = "lagrangian";
    if (gp_model_lagrange(&j->p, j->res.k, j->res.grid, j->objective, left, j->p.gap, &j->bound, NULL) != GP_OK)
        j->bound = NAN;
}

static void job_solve(comm_job *j, gp_ctx *tctx)
{
    const gp_dataset *ds = j->ds;
    const gp_community *cm = &ds->comms[j->c];
    double t0 = gp_now();
    int n = cm->n_atoms;
    if (!job_build(j) || n == 0)
        return;
    int m = j->p.n;
    if (m > 0) {
        if (j->n_dedicated > 0 && !graph_connected(&j->p)) {
            /* the dedicated grids cut the rest apart: say so, and write each
             * piece as one grid so the output stays complete and contiguous */
            j->res.grid = malloc((size_t)m * sizeof *j->res.grid);
            if (!j->res.grid) {
                j->st = GP_ERR_NOMEM;
                return;
            }
            j->res.k = label_components(&j->p, j->res.grid);
            j->res.feasible = false;
            j->res.violation = INFINITY;
            snprintf(j->res.reason, sizeof j->res.reason, "the dedicated units cut the rest of the community into %d "
                     "separate parts, which no set of contiguous grids can join: unmark a dedicated unit or move "
                     "the community boundary", j->res.k);
        } else if ((j->st = gp_partition(&j->p, &j->res)) != GP_OK) {
            snprintf(j->err, sizeof j->err, "community '%s': partition failed", cm->id);
            return;
        }
    } else {
        j->res.k = 0;
        j->res.feasible = true;
    }
    if (m > 0 && j->res.feasible) {
        /* in the time left: a search from this plan with GLPK (branch and
         * cut, or neighbourhood search), and a lower bound on its
         * objective, so a gap (design.md, "The model") */
        j->bound = NAN;
        if (j->res.k == 1) {
            /* one grid: the only plan there is */
            j->objective = j->bound = gp_model_objective(&j->p, j->res.grid, 1);
            j->bound_by = "single_grid";
        } else if (j->res.rebalanced) {
            /* rebalancing: the plan keeps what stability asks to keep, so
             * GLPK only bounds its compactness (the LP, with a tenth of the
             * time kept for the Lagrangian bound should it not finish) */
            j->objective = gp_model_objective(&j->p, j->res.grid, j->res.k);
            j->search = "rebalance";
            double left = job_time_left(j, t0);
            if (left > 0.05 && m <= GP_MODEL_BOUND_ATOMS) {
                j->bound_by = "lp";
                if (gp_model_bound(tctx, &j->p, j->res.k, 0.9 * left, &j->bound) != GP_OK)
                    j->bound = NAN;
            }
            job_lagrange(j, t0);
        } else {
            /* many atoms or grids: neighbourhood search first (quick gains
             * where branch and cut on the whole model crawls) */
            bool large = m > GP_MODEL_SOLVE_ATOMS || j->res.k > GP_MODEL_SOLVE_GRIDS;
            if (large) {
                j->search = "neighbourhood";
                gp_lns_stats ls;
                double share = (m > GP_MODEL_BOUND_ATOMS ? 0.7 : 0.5) * job_time_left(j, t0),
                       until = gp_now() + share;
                if (gp_model_lns(tctx, &j->p, j->res.k, j->res.grid, share, &j->objective, &ls) != GP_OK) {
                    gp_log(tctx, GP_LOG_WARN, "community '%s': neighbourhood search failed (%s); its best plan is "
                           "kept", cm->id, gp_ctx_errmsg(tctx)[0] ? gp_ctx_errmsg(tctx) : "out of memory");
                    j->objective = gp_model_objective(&j->p, j->res.grid, j->res.k);
                }
                j->timed_out = gp_now() >= until;
                j->lns_solved = ls.solved, j->lns_improved = ls.improved, j->lns_timed_out = ls.timed_out;
            } else {
                j->search = "branch_and_cut";
            }
            /* then branch and cut on the whole model from that plan, which
             * proves a bound (at least the LP's) and may find better */
            if (m <= GP_MODEL_BOUND_ATOMS) {
                bool better = false, out = false;
                j->bound_by = "lp";
                /* a tenth of the time (a fifth after a neighbourhood search)
                 * stays for the Lagrangian bound should the LP not finish */
                if (gp_model_solve(tctx, &j->p, j->res.k, j->res.grid, (large ? 0.8 : 0.9) * job_time_left(j, t0),
                                   j->p.gap, &j->objective, &j->bound, &better, &out) != GP_OK) {
                    gp_log(tctx, GP_LOG_WARN, "community '%s': branch and cut failed (%s); the plan before it is "
                           "kept", cm->id, gp_ctx_errmsg(tctx)[0] ? gp_ctx_errmsg(tctx) : "out of memory");
                    j->objective = gp_model_objective(&j->p, j->res.grid, j->res.k);
                    j->bound = NAN;
                }
                j->timed_out |= out;
            }
            job_lagrange(j, t0);
        }
    }
    /* back to every atom of the community: dedicated atoms get grids
     * k, k+1, ... one each */
    int *grid = malloc((size_t)n * sizeof *grid);
    if (!grid) {
        j->st = GP_ERR_NOMEM;
        return;
    }
    for (int i = 0; i < n; i++)
        grid[i] = -1;
    for (int q = 0; q < m; q++)
        grid[j->full[q]] = j->res.grid[q];
    int k = j->res.k;
    for (int i = 0; i < n; i++)
        if (grid[i] < 0)
            grid[i] = k++;
    free(j->res.grid);
    j->res.grid = grid;
    j->res.k = k;
    j->seconds = gp_now() - t0;
}

/* Numbers the job's grids (rows of about one grid's height, north first,
 * west to east in a row) and appends them to the plan. Sequential. */
static gp_status job_finish(gp_ctx *ctx, comm_job *j, gp_plan *plan, double gap_tol)
{
    gp_dataset *ds = j->ds;
    gp_community *cm = &ds->comms[j->c];
    int n = cm->n_atoms, first = cm->first_atom, c = j->c;
    cm->seconds = j->seconds;
    cm->objective = j->objective;
    cm->bound = j->bound;
    cm->search = j->search;
    cm->bound_by = isfinite(j->bound) ? j->bound_by : NULL;
    cm->lns_solved = j->lns_solved;
    cm->lns_improved = j->lns_improved;
    cm->lns_timed_out = j->lns_timed_out;
    cm->gap = NAN;
    if (j->st)
        return gp_fail(ctx, j->st, "%s", j->err[0] ? j->err : gp_strerror(j->st));
    if (n == 0) {
        cm->status = GP_CS_INFEASIBLE;
        snprintf(cm->reason, sizeof cm->reason, "no unit lies in this community: check that the units and "
                 "communities layers cover the same area");
        gp_log(ctx, GP_LOG_WARN, "community '%s': %s", cm->id, cm->reason);
        return GP_OK;
    }
    gp_part_result *res = &j->res;
    cm->status = !res->feasible ? GP_CS_INFEASIBLE : GP_CS_FEASIBLE;
    if (res->feasible && isfinite(j->objective) && isfinite(j->bound)) {
        cm->gap = j->objective > 0 ? fmax(0, (j->objective - j->bound) / j->objective) : 0;
        if (cm->gap <= gap_tol)
            cm->status = GP_CS_OPTIMAL;
    }
    if (cm->status == GP_CS_FEASIBLE && j->timed_out)
        cm->status = GP_CS_TIME_LIMIT;
    int kmin = 0, kmax = 0;
    char why[512];
    if (gp_part_count_range(&j->p, &kmin, &kmax, why, sizeof why))
        gp_log(ctx, GP_LOG_DEBUG, "community '%s': %d..%d grids meet the bounds by count; %d made, bound "
               "violation %g, objective %g, bound %g", cm->id, kmin, kmax, res->k, res->violation, j->objective,
               j->bound);
    if (!res->feasible) {
        snprintf(cm->reason, sizeof cm->reason, "%s", res->reason);
        gp_log(ctx, GP_LOG_WARN, "community '%s': %s", cm->id, res->reason);
    }
    int k = res->k;
    order_key *ord = calloc((size_t)k, sizeof *ord);
    double *sx = calloc((size_t)k, sizeof *sx), *sy = calloc((size_t)k, sizeof *sy), *sa = calloc((size_t)k, sizeof *sa);
    int *to_plan = malloc((size_t)k * sizeof *to_plan);
    gp_grid *grids = realloc(plan->grids, (size_t)(plan->n_grids + k) * sizeof *grids);
    gp_status st = GP_OK;
    if (grids)
        plan->grids = grids;
    if (!ord || !sx || !sy || !sa || !to_plan || !grids) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    double ymax = -INFINITY, area = 0;
    for (int i = 0; i < n; i++) {
        const gp_atom *a = &ds->atoms[first + i];
        int g = res->grid[i];
        sx[g] += a->cx * a->area;
        sy[g] += a->cy * a->area;
        sa[g] += a->area;
        area += a->area;
        ymax = fmax(ymax, a->cy);
    }
    double band = sqrt(area / k);
    for (int g = 0; g < k; g++) {
        ord[g].g = g;
        ord[g].x = sa[g] > 0 ? sx[g] / sa[g] : 0;
        ord[g].row = band > 0 && sa[g] > 0 ? (long)floor((ymax - sy[g] / sa[g]) / band) : 0;
    }
    qsort(ord, (size_t)k, sizeof *ord, cmp_order);
    for (int r = 0; r < k; r++) {
        gp_grid *gr = &plan->grids[plan->n_grids + r];
        memset(gr, 0, sizeof *gr);
        size_t len = strlen(cm->id) + 8;
        gr->id = malloc(len);
        if (gr->id)
            snprintf(gr->id, len, "%s-%03d", cm->id, r + 1);
        else
            st = GP_ERR_NOMEM;
        gr->community = c;
        to_plan[ord[r].g] = plan->n_grids + r;
    }
    for (int g = 0; g < k; g++)
        plan->grids[to_plan[g]].dedicated = g >= k - j->n_dedicated; /* the last labels */
    for (int i = 0; i < n; i++)
        ds->atoms[first + i].grid = to_plan[res->grid[i]];
    plan->n_grids += k;
    cm->n_grids = k;
done:
    free(ord), free(sx), free(sy), free(sa), free(to_plan);
    return st;
}

typedef struct pool {
    comm_job *jobs;
    int n, next;
    pthread_mutex_t mu;
    gp_log_fn log_fn;
    void *log_user;
    gp_log_level log_max;
} pool;

static void *worker(void *arg)
{
    pool *pl = arg;
    gp_ctx *tctx = NULL;
    if (gp_ctx_create(&tctx) != GP_OK)
        tctx = NULL;
    else
        gp_ctx_set_log(tctx, pl->log_fn, pl->log_user, pl->log_max);
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        int i = pl->next++;
        pthread_mutex_unlock(&pl->mu);
        if (i >= pl->n)
            break;
        if (!tctx) {
            pl->jobs[i].st = GP_ERR_NOMEM;
            continue;
        }
        job_solve(&pl->jobs[i], tctx);
    }
    glp_free_env(); /* this thread's GLPK environment */
    gp_ctx_destroy(tctx);
    return NULL;
}

/* Partitions every community on [solver] threads threads (0: all cores);
 * results are the same whatever the number of threads. */
static gp_status partition_all(gp_ctx *ctx, const gp_scenario *sc, const gp_part_problem *tmpl, gp_dataset *ds,
                               gp_plan *plan)
{
    pool pl = {0};
    pl.n = ds->n_comms;
    pl.jobs = calloc((size_t)(pl.n ? pl.n : 1), sizeof *pl.jobs);
    if (!pl.jobs)
        return GP_ERR_NOMEM;
    pl.log_fn = ctx->log_fn;
    pl.log_user = ctx->log_user;
    pl.log_max = ctx->log_max;
    pthread_mutex_init(&pl.mu, NULL);
    for (int c = 0; c < pl.n; c++) {
        pl.jobs[c].ds = ds;
        pl.jobs[c].tmpl = tmpl;
        pl.jobs[c].c = c;
    }
    long nt = (long)gp_scn_num(sc, "solver", "threads", 0);
    if (nt <= 0)
        nt = sysconf(_SC_NPROCESSORS_ONLN);
    if (nt < 1)
        nt = 1;
    if (nt > pl.n)
        nt = pl.n > 0 ? pl.n : 1;
    pthread_t *th = calloc((size_t)nt, sizeof *th);
    int started = 0;
    for (long t = 0; th && t < nt; t++)
        if (pthread_create(&th[started], NULL, worker, &pl) == 0)
            started++;
    if (started == 0)
        worker(&pl); /* no thread could start: do it here */
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    free(th);
    pthread_mutex_destroy(&pl.mu);
    double gap_tol = gp_scn_num(sc, "solver", "gap", 1e-4);
    gp_status st = GP_OK;
    for (int c = 0; c < pl.n; c++) {
        if (!st)
            st = job_finish(ctx, &pl.jobs[c], plan, gap_tol);
        const gp_community *cm = &ds->comms[c];
        if (!st) {
            char gap[32] = "gap unknown";
            if (isfinite(cm->gap))
                snprintf(gap, sizeof gap, "gap %.1f%%", 100 * cm->gap);
            gp_log(ctx, GP_LOG_INFO, "community %d/%d '%s': %d atoms -> %d grids, %s, %s (%.2f s)", c + 1,
                   ds->n_comms, cm->id, cm->n_atoms, cm->n_grids,
                   cm->status == GP_CS_INFEASIBLE ? "INFEASIBLE" : "within bounds", gap, cm->seconds);
        }
        job_free(&pl.jobs[c]);
    }
    free(pl.jobs);
    return st;
}

/* True when s is exactly n decimal digits. */
static bool all_digits(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Grid codes ([output] grid_codes). Structured codes follow the form of
 * Chinese grid standards: the community's 12-digit code (6 administrative +
 * 3 street + 3 community) and a 3-digit sequence; simple ones are
 * COMMUNITY-NNN. Sequences follow the numbering order (rows north to south,
 * west to east in a row). A grid made of exactly the atoms of one grid of
 * the plan in force keeps that grid's id, so codes stay put where nothing
 * changed; new grids take the lowest free sequence numbers. */
/* Whether grid codes are structured; with grid_codes = structured, an
 * error naming the first community without a 12-digit code. */
static gp_status codes_structured(gp_ctx *ctx, const gp_scenario *sc, const gp_dataset *ds, bool *structured)
{
    const char *mode = gp_scn_str(sc, "output", "grid_codes", "auto");
    *structured = strcmp(mode, "simple") != 0;
    for (int c = 0; c < ds->n_comms && *structured; c++) {
        const gp_community *cm = &ds->comms[c];
        const char *code = cm->code ? cm->code : cm->id;
        if (!all_digits(code, 12)) {
            *structured = false;
            if (strcmp(mode, "structured") == 0)
                return gp_fail(ctx, GP_ERR_INPUT, "%s: community '%s' has the code '%s', not 12 digits (6 "
                               "administrative, 3 street, 3 community): name the field of such codes with [input] "
                               "communities.code, or set [output] grid_codes = simple", ds->in_comms.path
                               ? ds->in_comms.path : gp_scn_path(sc), cm->id, code);
        }
    }
    return GP_OK;
}

static gp_status assign_codes(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds, gp_plan *plan)
{
    bool structured;
    gp_status st0 = codes_structured(ctx, sc, ds, &structured);
    if (st0)
        return st0;
    int ng = plan->n_grids, ne = ds->n_existing;
    int *first = malloc((size_t)(ng ? ng : 1) * sizeof *first), *cnt = calloc((size_t)(ng ? ng : 1), sizeof *cnt);
    int *ecnt = calloc((size_t)(ne ? ne : 1), sizeof *ecnt);
    char **ids = calloc((size_t)(ng ? ng : 1), sizeof *ids);
    gp_status st = GP_OK;
    if (!first || !cnt || !ecnt || !ids) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    for (int g = 0; g < ng; g++)
        first[g] = -2;
    for (int i = 0; i < ds->n_atoms; i++) {
        const gp_atom *a = &ds->atoms[i];
        cnt[a->grid]++;
        if (a->existing >= 0)
            ecnt[a->existing]++;
        first[a->grid] = first[a->grid] == -2 || first[a->grid] == a->existing ? a->existing : -1;
    }
    /* kept ids first, then the others in numbering order */
    for (int g = 0; g < ng; g++) {
        int e = first[g];
        if (e < 0 || ecnt[e] != cnt[g])
            continue;
        bool taken = false;
        for (int h = 0; h < ng && !taken; h++)
            taken = ids[h] && strcmp(ids[h], ds->existing[e].id) == 0;
        if (!taken && !(ids[g] = gp_strdup(ds->existing[e].id))) {
            st = GP_ERR_NOMEM;
            goto out;
        }
    }
    int seq = 0, prev_c = -1;
    for (int g = 0; g < ng; g++) {
        if (ids[g])
            continue;
        const gp_community *cm = &ds->comms[plan->grids[g].community];
        if (plan->grids[g].community != prev_c)
            seq = 0, prev_c = plan->grids[g].community;
        char buf[1024];
        for (bool taken = true; taken;) {
            seq++;
            int len = structured ? snprintf(buf, sizeof buf, "%s%03d", cm->code ? cm->code : cm->id, seq)
                                 : snprintf(buf, sizeof buf, "%s-%03d", cm->id, seq);
            if (len < 0 || (size_t)len >= sizeof buf) {
                st = gp_fail(ctx, GP_ERR_INPUT, "community '%.60s...': its id is too long for grid codes (over %zu "
                             "bytes): use shorter community ids", cm->id, sizeof buf - 8);
                goto out;
            }
            taken = false;
            for (int h = 0; h < ng && !taken; h++)
                taken = ids[h] && strcmp(ids[h], buf) == 0;
        }
        if (!(ids[g] = gp_strdup(buf))) {
            st = GP_ERR_NOMEM;
            goto out;
        }
    }
    for (int g = 0; g < ng; g++) {
        free(plan->grids[g].id);
        plan->grids[g].id = ids[g];
        ids[g] = NULL;
    }
out:
    for (int g = 0; ids && g < ng; g++)
        free(ids[g]);
    free(first), free(cnt), free(ecnt), free(ids);
    return st;
}

/* Households moved from the existing plan: each new grid is matched to the
 * existing grid it shares most households with (gp_match_labels);
 * households of atoms whose existing grid is not their new grid's match,
 * or that lay in no existing grid, have moved. Memory is linear in atoms. */
static double households_moved(gp_dataset *ds, const gp_plan *plan)
{
    int ng = plan->n_grids, ne = ds->n_existing, n = ds->n_atoms;
    for (int c = 0; c < ds->n_comms; c++)
        ds->comms[c].hh_moved = NAN;
    if (!ds->has_existing || ne == 0 || ng == 0)
        return -1;
    int *le = malloc(((size_t)n + 1) * sizeof *le), *lg = malloc(((size_t)n + 1) * sizeof *lg);
    double *hh = malloc(((size_t)n + 1) * sizeof *hh);
    int *gm = malloc((size_t)ng * sizeof *gm);
    double moved = -1;
    if (!le || !lg || !hh || !gm)
        goto done;
    for (int i = 0; i < n; i++) {
        le[i] = ds->atoms[i].existing;
        lg[i] = ds->atoms[i].grid;
        hh[i] = ds->atoms[i].v[GP_A_HH];
    }
    if (!gp_match_labels(n, le, lg, hh, ne, ng, gm))
        goto done;
    moved = 0;
    for (int c = 0; c < ds->n_comms; c++)
        ds->comms[c].hh_moved = 0;
    for (int i = 0; i < n; i++) {
        const gp_atom *a = &ds->atoms[i];
        if (a->existing < 0 || a->existing != gm[a->grid]) {
            moved += a->v[GP_A_HH];
            ds->comms[a->community].hh_moved += a->v[GP_A_HH];
        }
    }
done:
    free(le), free(lg), free(hh), free(gm);
    return moved;
}

static gp_status mkdirs(gp_ctx *ctx, const char *path)
{
    char *p = gp_strdup(path);
    if (!p)
        return GP_ERR_NOMEM;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            gp_status st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create folder: %s", p, strerror(errno));
            free(p);
            return st;
        }
        *s = '/';
    }
    free(p);
    return GP_OK;
}

static void fill_summary(const gp_dataset *ds, const gp_plan *plan, gp_run_summary *sm)
{
    snprintf(sm->crs, sizeof sm->crs, "%s", ds->crs);
    sm->units = ds->n_units;
    sm->atoms = ds->n_atoms;
    sm->communities = ds->n_comms;
    sm->cases = ds->n_cases;
    sm->cases_unmatched = ds->n_cases_unmatched;
    sm->grids = plan ? plan->n_grids : 0;
    sm->households = sm->population = 0;
    for (int i = 0; i < ds->n_atoms; i++) {
        sm->households += ds->atoms[i].v[GP_A_HH];
        sm->population += ds->atoms[i].v[GP_A_POP];
    }
    sm->grid_households_min = sm->grid_households_max = -1;
    sm->grid_population_min = sm->grid_population_max = -1;
    sm->communities_infeasible = 0;
    for (int c = 0; c < ds->n_comms; c++)
        sm->communities_infeasible += ds->comms[c].status == GP_CS_INFEASIBLE;
    for (int g = 0; plan && g < plan->n_grids; g++) {
        if (ds->comms[plan->grids[g].community].status == GP_CS_INFEASIBLE || plan->grids[g].dedicated)
            continue;
        double h = plan->grids[g].v[GP_A_HH], p = plan->grids[g].v[GP_A_POP];
        if (sm->grid_households_min < 0 || h < sm->grid_households_min)
            sm->grid_households_min = h;
        if (h > sm->grid_households_max)
            sm->grid_households_max = h;
        if (sm->grid_population_min < 0 || p < sm->grid_population_min)
            sm->grid_population_min = p;
        if (p > sm->grid_population_max)
            sm->grid_population_max = p;
    }
    sm->existing_households_min = sm->existing_households_max = -1;
    for (int e = 0; e < ds->n_existing; e++) {
        double h = ds->existing[e].hh;
        if (sm->existing_households_min < 0 || h < sm->existing_households_min)
            sm->existing_households_min = h;
        if (h > sm->existing_households_max)
            sm->existing_households_max = h;
    }
    sm->households_moved = plan ? plan->hh_moved : -1;
    sm->workers = ds->n_workers;
    sm->workload_per_fte_ratio_before = sm->workload_per_fte_ratio_after = -1;
    if (ds->has_workers) {
        gp_workers_stats b, a;
        gp_workers_spread(ds, false, &b);
        sm->workload_per_fte_ratio_before = ds->has_existing && isfinite(b.ratio) ? b.ratio : -1;
        if (plan) {
            gp_workers_spread(ds, true, &a);
            sm->workload_per_fte_ratio_after = isfinite(a.ratio) ? a.ratio : -1;
        }
        for (int i = 0; i < ds->n_workers; i++) {
            const gp_worker *w = &ds->workers[i];
            sm->workers_changed += w->changed == 1;
            sm->workers_transfers += w->home >= 0 && w->comm != w->home;
            sm->workers_over_capacity += plan && w->load > w->fte * ds->capacity * (1 + 1e-6);
        }
        for (int g = 0; plan && g < plan->n_grids; g++)
            sm->grids_unstaffed += !plan->grids[g].workers;
    }
}

/* Keys the scenario accepts that change nothing in this version: say so
 * rather than ignore them silently. */
static void warn_inert_keys(gp_ctx *ctx, const gp_scenario *sc)
{
    static const char *const K[][3] = {
        {"atoms", "shape", "it applies to mode = cells only"},
        {"atoms", "size", "it applies to mode = cells only"},
        {"input", "weights", "it applies to mode = cells only"},
    };
    bool cells = strcmp(gp_scn_str(sc, "atoms", "mode", "units"), "cells") == 0;
    for (size_t i = 0; i < sizeof K / sizeof K[0]; i++)
        if (gp_scenario_get(sc, K[i][0], K[i][1]) && !(cells && strstr(K[i][2], "mode = cells")))
            gp_log(ctx, GP_LOG_WARN, "[%s] %s has no effect in this version of gridplan: %s", K[i][0], K[i][1],
                   K[i][2]);
    if (gp_scn_num(sc, "objective", "stability", 0) > 0 && !gp_scenario_get(sc, "input", "existing_plan"))
        gp_log(ctx, GP_LOG_WARN, "[objective] stability has no effect without [input] existing_plan");
}

static gp_status prepare(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds)
{
    gp_status st;
    warn_inert_keys(ctx, sc);
    double t = gp_now();
    if ((st = gp_load(ctx, sc, ds)))
        return st;
    gp_log(ctx, GP_LOG_INFO, "loaded %d units, %d communities, %d cases; working CRS %s (%.2f s)", ds->n_units,
           ds->n_comms, ds->n_cases, ds->crs, gp_now() - t);
    t = gp_now();
    if ((st = gp_atomize(ctx, sc, ds)) || (st = gp_existing_map(ctx, ds)) || (st = gp_cases_attach(ctx, sc, ds)))
        return st;
    gp_log(ctx, GP_LOG_INFO, "%d atoms, %d cases attached (%.2f s)", ds->n_atoms,
           ds->n_cases - ds->n_cases_unmatched, gp_now() - t);
    bool structured;
    if ((st = codes_structured(ctx, sc, ds, &structured)))
        return st;
    t = gp_now();
    if ((st = gp_graph_build(ctx, sc, ds)))
        return st;
    gp_log(ctx, GP_LOG_INFO, "adjacency: %d edges, %d islands bridged (%.2f s)", ds->xadj[ds->n_atoms] / 2,
           ds->n_bridges, gp_now() - t);
    return GP_OK;
}

/* The grid counts each community's bounds allow (0..0 when none). */
static gp_status count_ranges(gp_dataset *ds, const gp_part_problem *tmpl, int *kmin, int *kmax)
{
    for (int c = 0; c < ds->n_comms; c++) {
        comm_job j;
        memset(&j, 0, sizeof j);
        j.ds = ds;
        j.tmpl = tmpl;
        j.c = c;
        kmin[c] = kmax[c] = 0;
        if (!job_build(&j)) {
            gp_status st = j.st;
            job_free(&j);
            return st;
        }
        char why[512];
        j.p.k_min = 1, j.p.k_max = 0;
        if (j.p.n > 0 && !gp_part_count_range(&j.p, &kmin[c], &kmax[c], why, sizeof why))
            kmin[c] = kmax[c] = 0;
        if (kmin[c] >= 1)
            kmin[c] += j.n_dedicated, kmax[c] += j.n_dedicated;
        job_free(&j);
    }
    return GP_OK;
}

/* Head-count allocation, worker assignment: before the partition when the
 * grid count comes from the workers (so the allocation sets it), after it
 * otherwise (so it knows every community's grids). */
static gp_status staff_before(gp_ctx *ctx, const gp_scenario *sc, const gp_part_problem *tmpl, gp_dataset *ds)
{
    if (!ds->has_workers)
        return GP_OK;
    gp_status st = gp_workers_prepare(ctx, sc, ds);
    if (st || strcmp(gp_scn_str(sc, "grid", "count", "auto"), "workers") != 0)
        return st;
    int *kmin = malloc((size_t)(ds->n_comms ? ds->n_comms : 1) * sizeof *kmin);
    int *kmax = malloc((size_t)(ds->n_comms ? ds->n_comms : 1) * sizeof *kmax);
    st = kmin && kmax ? count_ranges(ds, tmpl, kmin, kmax) : GP_ERR_NOMEM;
    if (!st)
        st = gp_workers_allocate(ctx, sc, ds, kmin, kmax, NULL);
    free(kmin), free(kmax);
    return st;
}

static gp_status staff_after(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds, gp_plan *plan)
{
    if (!ds->has_workers)
        return GP_OK;
    gp_status st = GP_OK;
    if (strcmp(gp_scn_str(sc, "grid", "count", "auto"), "workers") != 0) {
        int *k = malloc((size_t)(ds->n_comms ? ds->n_comms : 1) * sizeof *k);
        if (!k)
            return GP_ERR_NOMEM;
        for (int c = 0; c < ds->n_comms; c++)
            k[c] = ds->comms[c].n_grids;
        st = gp_workers_allocate(ctx, sc, ds, NULL, NULL, k);
        free(k);
    }
    return st ? st : gp_workers_assign(ctx, sc, ds, plan);
}

/* Communities whose workers miss a rule, plus one for a roster short of
 * the whole workload or an allocation that failed. */
static int staffing_problems(const gp_dataset *ds)
{
    if (!ds->has_workers)
        return 0;
    int n = ds->roster_reason[0] != '\0' || (ds->allocated && ds->alloc_status == GP_CS_INFEASIBLE);
    for (int c = 0; c < ds->n_comms; c++)
        n += ds->comms[c].wstatus == GP_CS_INFEASIBLE;
    return n;
}

gp_status gp_validate(gp_ctx *ctx, const gp_scenario *sc, gp_run_summary *summary)
{
    if (!ctx || !sc)
        return GP_ERR_ARG;
    ctx->errmsg[0] = '\0';
    gp_dataset ds = {0};
    double t0 = gp_now();
    gp_status st = prepare(ctx, sc, &ds);
    gp_part_problem tmpl;
    memset(&tmpl, 0, sizeof tmpl);
    scenario_bounds(sc, &tmpl);
    if (st == GP_OK)
        st = staff_before(ctx, sc, &tmpl, &ds);
    if (st == GP_OK) {
        /* bounds that no plan can meet are found before any search */
        /* the same problems a run builds (dedicated units out, locks in) */
        for (int c = 0; c < ds.n_comms && !st; c++) {
            gp_community *cm = &ds.comms[c];
            comm_job j;
            memset(&j, 0, sizeof j);
            j.ds = &ds;
            j.tmpl = &tmpl;
            j.c = c;
            if (!job_build(&j)) {
                st = j.st;
                job_free(&j);
                break;
            }
            int kmin, kmax;
            bool ok = true;
            if (cm->n_atoms == 0) {
                ok = false;
                snprintf(cm->reason, sizeof cm->reason, "no unit lies in this community");
            } else if (j.p.n > 0 && j.n_dedicated > 0 && !graph_connected(&j.p)) {
                ok = false;
                snprintf(cm->reason, sizeof cm->reason, "the dedicated units cut the rest of the community apart");
            } else if (j.p.n > 0) {
                ok = gp_part_count_range(&j.p, &kmin, &kmax, cm->reason, sizeof cm->reason);
                for (int g = 0; ok && j.p.lock && g < j.p.n_locks; g++)
                    if (!gp_part_connected(&j.p, j.p.lock, g)) {
                        ok = false;
                        snprintf(cm->reason, sizeof cm->reason, "the units locked to '%s' are not contiguous",
                                 j.p.lock_names[g]);
                    }
            }
            cm->status = ok ? GP_CS_FEASIBLE : GP_CS_INFEASIBLE;
            if (!ok)
                gp_log(ctx, GP_LOG_WARN, "community '%s': %s", cm->id, cm->reason);
            job_free(&j);
        }
    }
    if (summary) {
        memset(summary, 0, sizeof *summary);
        fill_summary(&ds, NULL, summary);
        summary->households_moved = -1;
        summary->elapsed_s = gp_now() - t0;
    }
    if (st == GP_OK && summary && summary->communities_infeasible > 0)
        st = gp_fail(ctx, GP_ERR_INFEASIBLE, "%d of %d communities cannot meet the bounds (see the warnings)",
                     summary->communities_infeasible, summary->communities);
    else if (st == GP_OK && ds.has_workers && ds.roster_reason[0])
        st = gp_fail(ctx, GP_ERR_INFEASIBLE, "%s: %s", ds.in_workers.path, ds.roster_reason);
    else if (st == GP_OK && ds.allocated && ds.alloc_status == GP_CS_INFEASIBLE)
        st = gp_fail(ctx, GP_ERR_INFEASIBLE, "head-count allocation: %s", ds.alloc_reason);
    gp_dataset_free(ctx, &ds);
    return st;
}

gp_status gp_run(gp_ctx *ctx, const gp_scenario *sc, gp_run_summary *summary)
{
    if (!ctx || !sc)
        return GP_ERR_ARG;
    ctx->errmsg[0] = '\0';
    double t0 = gp_now();
    gp_dataset ds = {0};
    gp_plan plan = {0};
    char *tmp = NULL, *old = NULL;
    /* "out/demo/" and "out/demo" are the same folder: the temporary one
     * must be its sibling, not inside it */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", gp_scenario_output_dir(sc));
    for (size_t l = strlen(dir); l > 1 && dir[l - 1] == '/'; l--)
        dir[l - 1] = '\0';
    struct stat stt;
    gp_status st = GP_OK;
    if (stat(dir, &stt) == 0 && !S_ISDIR(stt.st_mode))
        return gp_fail(ctx, GP_ERR_OUTPUT, "%s: exists and is not a folder: choose another [output] dir", dir);
    gp_output outopt;
    if ((st = prepare(ctx, sc, &ds)) || (st = gp_output_from_scenario(ctx, sc, &ds, &outopt)))
        goto done;

    gp_part_problem tmpl;
    memset(&tmpl, 0, sizeof tmpl);
    scenario_bounds(sc, &tmpl);
    if ((st = staff_before(ctx, sc, &tmpl, &ds)))
        goto done;
    if ((st = partition_all(ctx, sc, &tmpl, &ds, &plan)) || (st = assign_codes(ctx, sc, &ds, &plan)))
        goto done;
    if ((st = gp_plan_build_grids(ctx, &ds, &plan)))
        goto done;
    plan.hh_moved = households_moved(&ds, &plan);
    if ((st = staff_after(ctx, sc, &ds, &plan)))
        goto done;

    /* write beside the target, then swap it in */
    size_t len = strlen(dir) + 32;
    tmp = malloc(len);
    old = malloc(len);
    if (!tmp || !old) {
        st = GP_ERR_NOMEM;
        goto done;
    }
    snprintf(tmp, len, "%s.tmp-%ld", dir, (long)getpid());
    snprintf(old, len, "%s.old-%ld", dir, (long)getpid());
    gp_rmtree(tmp);
    if ((st = mkdirs(ctx, tmp)))
        goto done;
    if (mkdir(tmp, 0777) != 0) {
        st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot create folder: %s", tmp, strerror(errno));
        goto done;
    }
    if ((st = gp_write_layers(ctx, &ds, &plan, &outopt, tmp)) || (st = gp_workers_write(ctx, &ds, &plan, tmp)))
        goto done;
    if ((st = gp_write_report(ctx, sc, &ds, &plan, &outopt, tmp, gp_now() - t0)) ||
        (st = gp_write_html(ctx, sc, &ds, &plan, &outopt, tmp, gp_now() - t0)))
        goto done;
    bool had_old = stat(dir, &stt) == 0;
    if (had_old && rename(dir, old) != 0) {
        st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot move the previous result aside: %s", dir, strerror(errno));
        goto done;
    }
    if (rename(tmp, dir) != 0) {
        st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot put the result in place: %s", dir, strerror(errno));
        if (had_old)
            rename(old, dir);
        goto done;
    }
    if (had_old)
        gp_rmtree(old);
done:
    if (st != GP_OK && tmp)
        gp_rmtree(tmp);
    if (summary) {
        memset(summary, 0, sizeof *summary);
        fill_summary(&ds, st == GP_OK ? &plan : NULL, summary);
        snprintf(summary->output_dir, sizeof summary->output_dir, "%s", dir);
        summary->elapsed_s = gp_now() - t0;
    }
    int infeasible = 0;
    for (int c = 0; c < ds.n_comms; c++)
        infeasible += ds.comms[c].status == GP_CS_INFEASIBLE;
    if (st == GP_OK && infeasible)
        st = gp_fail(ctx, GP_ERR_INFEASIBLE, "%d of %d communities could not meet the bounds; their best plans are "
                     "written and marked infeasible in report.json", infeasible, ds.n_comms);
    else if (st == GP_OK && staffing_problems(&ds))
        st = gp_fail(ctx, GP_ERR_INFEASIBLE, "the workers cannot staff every grid within capacity (%s); the "
                     "assignment is written and the problems are listed under workers in report.json",
                     ds.roster_reason[0] ? ds.roster_reason
                     : ds.allocated && ds.alloc_status == GP_CS_INFEASIBLE ? ds.alloc_reason
                     : "see the warnings");
    free(tmp);
    free(old);
    gp_plan_free(ctx, &plan);
    gp_dataset_free(ctx, &ds);
    return st;
}

gp_status gp_tessellate(gp_ctx *ctx, const gp_scenario *sc, const char *out_path, gp_run_summary *summary)
{
    if (!ctx || !sc || !out_path)
        return GP_ERR_ARG;
    ctx->errmsg[0] = '\0';
    double t0 = gp_now();
    gp_dataset ds = {0};
    char *tmp = NULL;
    gp_status st = prepare(ctx, sc, &ds);
    if (!st) {
        size_t len = strlen(out_path) + 32;
        if (!(tmp = malloc(len)))
            st = GP_ERR_NOMEM;
        else
            snprintf(tmp, len, "%s.tmp-%ld.gpkg", out_path, (long)getpid());
    }
    if (!st) {
        unlink(tmp);
        st = gp_write_atoms(ctx, &ds, tmp);
        if (!st && rename(tmp, out_path) != 0)
            st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot put the result in place: %s", out_path, strerror(errno));
        if (st)
            unlink(tmp);
    }
    if (summary) {
        memset(summary, 0, sizeof *summary);
        fill_summary(&ds, NULL, summary);
        snprintf(summary->output_dir, sizeof summary->output_dir, "%s", out_path);
        summary->elapsed_s = gp_now() - t0;
    }
    free(tmp);
    gp_dataset_free(ctx, &ds);
    return st;
}
