/* One community's job: the solve ladder (the heuristic; then a
 * neighbourhood search or branch and cut from its plan; then a lower bound
 * so that every plan within bounds has a gap), and the numbering of its
 * grids. See docs/design.md, "The model". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

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

/* How a community's budget is shared along the ladder (design.md, "Work
 * budgets"): the heuristic takes at most a part (all of it while no plan
 * meets the bounds); of what is left, the
 * neighbourhood search takes a share, branch and cut most of the rest, and
 * what remains is the Lagrangian bound's should nothing else prove one. */
#define SHARE_HEURISTIC 0.3
#define SHARE_EXACT 0.8          /* branch and cut, or the LP when rebalancing */
#define SHARE_FIND 0.5           /* the heuristic's most where branch and cut can prove */

/* A debug line per step of the ladder: what it spent, in units and in
 * seconds (the ratio is what bench/run-budget calibrates). */
static void step_log(gp_ctx *tctx, const gp_job *j, const char *what, const gp_work *part, double t0)
{
    gp_log(tctx, GP_LOG_DEBUG, "community '%s': %s: %.0f units, %.3f s", j->ds->comms[j->c].id, what, part->used,
           gp_now() - t0);
}

/* A step that ran out of memory fails the job: keeping the plan from
 * before it would make the plan depend on the memory free at the time.
 * Any other failure of a step keeps that plan, with a warning. */
static bool job_nomem(gp_job *j, gp_status st, const char *step)
{
    if (st != GP_ERR_NOMEM)
        return false;
    j->st = st;
    snprintf(j->err, sizeof j->err, "community '%s': %s: out of memory", j->ds->comms[j->c].id, step);
    return true;
}

/* The Lagrangian bound with what is left, when nothing proved one for the
 * plan as it is. */
static void job_lagrange(gp_job *j, gp_ctx *tctx)
{
    if (j->st || gp_work_left(&j->work) <= 0 || isfinite(j->bound))
        return;
    double b, t0 = gp_now();
    gp_work part = gp_work_part(&j->work, gp_work_left(&j->work));
    gp_status st = gp_model_lagrange(&j->p, j->res.k, j->res.grid, j->objective, &part, j->p.gap, &b, NULL);
    if (job_nomem(j, st, "lagrangian bound"))
        return;
    if (st != GP_OK)
        b = NAN;
    gp_work_join(&j->work, &part);
    step_log(tctx, j, "lagrangian", &part, t0);
    if (!isnan(b)) {
        j->bound = b;
        j->bound_by = "lagrangian";
    }
}

/* The neighbourhood search from the plan in j->res with all but what the
 * Lagrangian bound will want of what is left. */
static void job_lns(gp_job *j, gp_ctx *tctx)
{
    const gp_community *cm = &j->ds->comms[j->c];
    j->search = "neighbourhood";
    gp_lns_stats ls;
    /* a bound proven before stays true for the better plans it finds */
    double reserve = isfinite(j->bound) ? 0 : gp_model_lagrange_cost(&j->p, j->res.k);
    gp_work part = gp_work_part(&j->work, gp_work_left(&j->work) - reserve);
    double t0 = gp_now();
    gp_status st = gp_model_lns(tctx, &j->p, j->res.k, j->res.grid, &part, &j->objective, &ls);
    if (job_nomem(j, st, "neighbourhood search"))
        return;
    if (st != GP_OK) {
        gp_log(tctx, GP_LOG_WARN, "community '%s': neighbourhood search failed (%s); its best plan is kept", cm->id,
               gp_ctx_errmsg(tctx)[0] ? gp_ctx_errmsg(tctx) : "out of memory");
        j->objective = gp_model_objective(&j->p, j->res.grid, j->res.k);
    }
    gp_work_join(&j->work, &part);
    step_log(tctx, j, "neighbourhood search", &part, t0);
    j->lns.solved += ls.solved, j->lns.improved += ls.improved, j->lns.stopped += ls.stopped;
    j->lns.settled = ls.settled;
}

/* Branch and cut on the whole model from the plan in j->res with units of
 * what is left: it proves a bound (at least the LP's) and may find better. */
static void job_exact(gp_job *j, gp_ctx *tctx, double units)
{
    const gp_community *cm = &j->ds->comms[j->c];
    bool better = false, stopped = false;
    double b, t0 = gp_now();
    gp_work part = gp_work_part(&j->work, units);
    gp_status st = gp_model_solve(tctx, &j->p, j->res.k, j->res.grid, &part, j->p.gap, &j->objective, &b, &better,
                                  &stopped);
    if (job_nomem(j, st, "branch and cut"))
        return;
    if (st != GP_OK) {
        gp_log(tctx, GP_LOG_WARN, "community '%s': branch and cut failed (%s); the plan before it is kept", cm->id,
               gp_ctx_errmsg(tctx)[0] ? gp_ctx_errmsg(tctx) : "out of memory");
        j->objective = gp_model_objective(&j->p, j->res.grid, j->res.k);
        b = NAN;
    }
    gp_work_join(&j->work, &part);
    step_log(tctx, j, "branch and cut", &part, t0);
    if (!isnan(b) && !(b <= j->bound)) {
        j->bound = b;
        j->bound_by = "lp";
    }
    j->exact_done = !stopped && !isnan(b);
}

/* The heuristic found no plan within the bounds: branch and cut on the
 * whole model, for each grid count the bounds allow, either finds one or
 * proves there is none (its LP relaxation, or the whole tree, infeasible).
 * Only a community small enough for the model gets this; the others stay
 * "not found", never "infeasible", as nothing was proven. */
static void job_prove(gp_job *j, gp_ctx *tctx)
{
    gp_part_result *res = &j->res;
    int kmin, kmax, m = j->p.n;
    char why[512];
    if (!gp_part_count_range(&j->p, &kmin, &kmax, why, sizeof why) || m > GP_MODEL_SOLVE_ATOMS)
        return;
    int *grid = malloc((size_t)m * sizeof *grid);
    if (!grid) {
        job_nomem(j, GP_ERR_NOMEM, "branch and cut from no plan");
        return;
    }
    bool all_proven = true;
    for (int k = kmin; k <= kmax && k <= m && !res->feasible; k++) {
        double cost = gp_model_lp_cost(&j->p);
        if (k > GP_MODEL_SOLVE_GRIDS || cost > gp_work_left(&j->work)) {
            all_proven = false;
            break;
        }
        memcpy(grid, res->grid, (size_t)m * sizeof *grid); /* no start: the model ignores it */
        double obj, b, t0 = gp_now();
        bool better = false, stopped = false;
        gp_work part = gp_work_part(&j->work, gp_work_left(&j->work) / (kmax - k + 1));
        gp_status st = gp_model_solve(tctx, &j->p, k, grid, &part, j->p.gap, &obj, &b, &better, &stopped);
        gp_work_join(&j->work, &part);
        step_log(tctx, j, "branch and cut from no plan", &part, t0);
        if (job_nomem(j, st, "branch and cut from no plan"))
            break;
        if (st == GP_OK && better) {
            memcpy(res->grid, grid, (size_t)m * sizeof *grid);
            res->k = k;
            res->feasible = true;
            res->violation = 0;
            res->reason[0] = '\0';
            j->search = "branch_and_cut";
        } else if (st != GP_OK || !(b == INFINITY)) {
            all_proven = false;
        }
    }
    free(grid);
    if (!res->feasible && all_proven) {
        res->proven = true;
        snprintf(res->reason, sizeof res->reason, "no plan can meet the bounds with %d..%d grids: branch and cut "
                 "proved that no contiguous grids of that count stay within them; widen the bounds, allow "
                 "another [grid] count, or split or merge units", kmin, kmax);
    }
}

/* From the plan in j->res, within what is left of j->work: a search with
 * GLPK and a lower bound on its objective, so a gap (design.md, "The
 * model"). The second pass (again) goes where the first left a gap: branch
 * and cut on the whole model once the neighbourhoods have settled. */
static void job_ladder(gp_job *j, gp_ctx *tctx, bool again)
{
    int m = j->p.n;
    if (j->res.k == 1) {
        /* one grid: the only plan there is */
        j->objective = j->bound = gp_model_objective(&j->p, j->res.grid, 1);
        j->bound_by = "single_grid";
        return;
    }
    j->objective = gp_model_objective(&j->p, j->res.grid, j->res.k);
    if (isnan(j->objective) && job_nomem(j, GP_ERR_NOMEM, "objective"))
        return;
    if (j->res.rebalanced) {
        /* rebalancing: the plan keeps what stability asks to keep, so
         * GLPK only bounds its compactness (the LP, with a part kept for
         * the Lagrangian bound should it not finish) */
        j->search = "rebalance";
        if (m <= GP_MODEL_BOUND_ATOMS && !isfinite(j->bound)) {
            gp_work part = gp_work_part(&j->work, SHARE_EXACT * gp_work_left(&j->work));
            double b, t0 = gp_now();
            gp_status st = gp_model_bound(tctx, &j->p, j->res.k, &part, &b);
            gp_work_join(&j->work, &part);
            if (job_nomem(j, st, "lp bound"))
                return;
            if (st == GP_OK && !isnan(b)) {
                j->bound = b;
                j->bound_by = "lp";
            }
            step_log(tctx, j, "lp", &part, t0);
        }
        job_lagrange(j, tctx);
        return;
    }
    /* many atoms or grids: the neighbourhood search, with the Lagrangian
     * bound after it (about as tight as the LP's here, at a fraction of its
     * cost: design.md); a small model: branch and cut, which proves */
    bool small = m <= GP_MODEL_SOLVE_ATOMS && j->res.k <= GP_MODEL_SOLVE_GRIDS;
    bool fits = m <= GP_MODEL_BOUND_ATOMS && gp_model_lp_cost(&j->p) <= SHARE_EXACT * gp_work_left(&j->work);
    if (small && fits && !again) {
        j->search = "branch_and_cut";
        job_exact(j, tctx, SHARE_EXACT * gp_work_left(&j->work));
    } else if (fits && (j->lns.settled || !strcmp(j->search ? j->search : "", "branch_and_cut"))) {
        job_exact(j, tctx, gp_work_left(&j->work) - gp_model_lagrange_cost(&j->p, j->res.k));
    } else {
        job_lns(j, tctx);
    }
    job_lagrange(j, tctx); /* when nothing proved better */
}

void gp_job_solve(gp_job *j, gp_ctx *tctx, double budget, double time_limit)
{
    const gp_dataset *ds = j->ds;
    const gp_community *cm = &ds->comms[j->c];
    double t0 = gp_now();
    j->work = gp_work_new(tctx, budget, time_limit > 0 ? t0 + time_limit : 0);
    j->objective = j->bound = NAN;
    int n = cm->n_atoms;
    if (!gp_job_build(j) || n == 0)
        return;
    int m = j->p.n;
    if (m > 0) {
        gp_csr graph = gp_part_graph(&j->p);
        /* a share of the budget, or all of it while no plan meets the
         * bounds; half of it where branch and cut could then find one or
         * prove there is none (job_prove) */
        gp_work heur = gp_work_part(&j->work, m <= GP_MODEL_SOLVE_ATOMS ? SHARE_FIND * budget : budget);
        heur.enough = SHARE_HEURISTIC * budget;
        if (j->n_dedicated > 0 && !gp_csr_connected(&graph, NULL, 0)) {
            /* the dedicated grids cut the rest apart: say so, and write each
             * piece as one grid so the output stays complete and contiguous */
            j->res.grid = malloc((size_t)m * sizeof *j->res.grid);
            if (!j->res.grid) {
                j->st = GP_ERR_NOMEM;
                return;
            }
            j->res.k = gp_csr_components(&graph, j->res.grid);
            j->res.feasible = false;
            j->res.proven = true;
            j->res.violation = INFINITY;
            snprintf(j->res.reason, sizeof j->res.reason, "the dedicated units cut the rest of the community into %d "
                     "separate parts, which no set of contiguous grids can join: unmark a dedicated unit or move "
                     "the community boundary", j->res.k);
        } else if ((j->st = gp_partition(&j->p, &heur, &j->res)) != GP_OK) {
            snprintf(j->err, sizeof j->err, "community '%s': partition failed: %s", cm->id, gp_strerror(j->st));
            return;
        }
        gp_work_join(&j->work, &heur);
        step_log(tctx, j, "heuristic", &heur, t0);
    } else {
        j->res.k = 0;
        j->res.feasible = true;
    }
    if (m > 0 && !j->res.feasible && !j->res.proven)
        job_prove(j, tctx);
    if (!j->st && m > 0 && j->res.feasible)
        job_ladder(j, tctx, false);
    j->seconds = gp_now() - t0;
}

void gp_job_keep(gp_job *j, gp_ctx *tctx)
{
    const gp_dataset *ds = j->ds;
    j->work = gp_work_new(tctx, 0, 0);
    j->objective = j->bound = NAN;
    j->kept = true;
    if (!gp_job_build(j) || ds->comms[j->c].n_atoms == 0)
        return;
    int m = j->p.n, first = ds->comms[j->c].first_atom, k = 0;
    int *grid_of = malloc((size_t)(m ? m : 1) * sizeof *grid_of);
    j->res.grid = malloc((size_t)(m ? m : 1) * sizeof *j->res.grid);
    if (!grid_of || !j->res.grid) {
        free(grid_of);
        job_nomem(j, GP_ERR_NOMEM, "keeping its grids");
        return;
    }
    /* the previous grids, numbered in order of their first atom */
    for (int q = 0; q < m; q++) {
        int e = ds->atoms[first + j->full[q]].existing, g = 0;
        while (g < k && grid_of[g] != e)
            g++;
        if (g == k)
            grid_of[k++] = e;
        j->res.grid[q] = g;
    }
    free(grid_of);
    j->res.k = k;
    /* kept though it cannot meet the bounds (proven again, or not found
     * before with the same effort: gp_update_decide): its best plan */
    const gp_community *cm = &ds->comms[j->c];
    j->res.feasible = cm->prev < 0 || !gp_comm_unmet(ds->prev.comms[cm->prev].status);
    j->res.proven = !j->res.feasible && ds->prev.comms[cm->prev].status == GP_CS_INFEASIBLE;
    if (!j->res.feasible) {
        const char *why = ds->prev.comms[cm->prev].reason;
        snprintf(j->res.reason, sizeof j->res.reason, "%s", cm->reason[0] ? cm->reason : why ? why : "");
    }
}

/* ---- results across processes ---------------------------------------------- */

static const char *const SEARCH_NAMES[] = {"branch_and_cut", "neighbourhood", "rebalance", "kept"};
static const char *const BOUND_NAMES[] = {"lp", "lagrangian", "single_grid", "zero"};

static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

/* The fixed part of a job's results; the grid labels follow. */
typedef struct job_wire {
    int c, st, k, n_grid;
    int search, bound_by;        /* indexes into the names above, -1: none */
    int lns_solved, lns_improved, lns_stopped;
    unsigned char feasible, proven, rebalanced, kept, capped, exact_done, improved, settled;
    double objective, bound, violation, used, seconds;
    char reason[512], err[512];
} job_wire;

bool gp_job_pack(const gp_job *j, unsigned char **buf, size_t *len, size_t *cap)
{
    int n_grid = j->res.grid ? j->p.n : 0;
    size_t need = *len + sizeof(job_wire) + (size_t)n_grid * sizeof(int);
    if (need > *cap) {
        size_t nc = need * 2;
        unsigned char *nb = realloc(*buf, nc);
        if (!nb)
            return false;
        *buf = nb, *cap = nc;
    }
    job_wire w;
    memset(&w, 0, sizeof w);
    w.c = j->c, w.st = j->st, w.k = j->res.k, w.n_grid = n_grid;
    w.search = name_index(SEARCH_NAMES, 4, j->search);
    w.bound_by = name_index(BOUND_NAMES, 4, j->bound_by);
    w.lns_solved = j->lns.solved, w.lns_improved = j->lns.improved, w.lns_stopped = j->lns.stopped;
    w.feasible = j->res.feasible, w.proven = j->res.proven, w.rebalanced = j->res.rebalanced, w.kept = j->kept;
    w.capped = j->work.capped, w.exact_done = j->exact_done, w.improved = j->improved, w.settled = j->lns.settled;
    w.objective = j->objective, w.bound = j->bound, w.violation = j->res.violation;
    w.used = j->work.used, w.seconds = j->seconds;
    memcpy(w.reason, j->res.reason, sizeof w.reason);
    memcpy(w.err, j->err, sizeof w.err);
    memcpy(*buf + *len, &w, sizeof w);
    if (n_grid)
        memcpy(*buf + *len + sizeof w, j->res.grid, (size_t)n_grid * sizeof(int));
    *len = need;
    return true;
}

size_t gp_job_unpack(gp_job *j, const unsigned char *p, const unsigned char *end)
{
    job_wire w;
    if ((size_t)(end - p) < sizeof w)
        return 0;
    memcpy(&w, p, sizeof w);
    size_t used = sizeof w + (size_t)(w.n_grid > 0 ? w.n_grid : 0) * sizeof(int);
    if (w.c != j->c || w.n_grid < 0 || (size_t)(end - p) < used)
        return 0;
    if (!gp_job_build(j))
        return 0;
    if (w.n_grid > 0 && w.n_grid != j->p.n)
        return 0;
    free(j->res.grid);
    j->res.grid = NULL;
    if (w.n_grid > 0) {
        if (!(j->res.grid = malloc((size_t)w.n_grid * sizeof(int)))) {
            j->st = GP_ERR_NOMEM;
            return 0;
        }
        memcpy(j->res.grid, p + sizeof w, (size_t)w.n_grid * sizeof(int));
    }
    j->st = w.st, j->res.k = w.k;
    j->search = w.search >= 0 && w.search < 4 ? SEARCH_NAMES[w.search] : NULL;
    j->bound_by = w.bound_by >= 0 && w.bound_by < 4 ? BOUND_NAMES[w.bound_by] : NULL;
    j->lns.solved = w.lns_solved, j->lns.improved = w.lns_improved, j->lns.stopped = w.lns_stopped;
    j->res.feasible = w.feasible, j->res.proven = w.proven, j->res.rebalanced = w.rebalanced, j->kept = w.kept;
    j->work.capped = w.capped, j->exact_done = w.exact_done, j->improved = w.improved, j->lns.settled = w.settled;
    j->objective = w.objective, j->bound = w.bound, j->res.violation = w.violation;
    j->work.used = w.used, j->seconds = w.seconds;
    memcpy(j->res.reason, w.reason, sizeof w.reason);
    j->res.reason[sizeof j->res.reason - 1] = '\0';
    memcpy(j->err, w.err, sizeof w.err);
    j->err[sizeof j->err - 1] = '\0';
    return used;
}

bool gp_job_open(const gp_job *j, double gap_tol)
{
    if (j->st || j->kept || j->p.n == 0 || !j->res.feasible || j->res.k <= 1 || j->res.rebalanced || j->work.capped ||
        j->exact_done)
        return false;
    if (isfinite(j->bound) && j->objective - j->bound <= gap_tol * j->objective)
        return false; /* proven */
    /* settled and bounded beyond branch and cut's reach: more work would
     * only repeat the Lagrangian steps */
    return !(j->lns.settled && j->p.n > GP_MODEL_BOUND_ATOMS && isfinite(j->bound));
}

void gp_job_improve(gp_job *j, gp_ctx *tctx, double budget, double time_limit)
{
    double t0 = gp_now();
    j->work.limit = j->work.used + budget;
    if (time_limit > 0)
        j->work.deadline = t0 + fmax(0, time_limit - j->seconds);
    j->improved = true;
    job_ladder(j, tctx, true);
    j->seconds += gp_now() - t0;
}

gp_status gp_job_finish(gp_ctx *ctx, gp_job *j, gp_plan *plan, double gap_tol)
{
    gp_dataset *ds = j->ds;
    gp_community *cm = &ds->comms[j->c];
    int n = cm->n_atoms, first = cm->first_atom, c = j->c;
    if (j->st)
        return gp_fail(ctx, j->st, "%s", j->err[0] ? j->err : gp_strerror(j->st));
    gp_part_result *res = &j->res;
    int m = j->p.n;
    if (n > 0) {
        /* back to every atom of the community: dedicated atoms get grids
         * k, k+1, ... one each */
        int *grid = malloc((size_t)n * sizeof *grid);
        if (!grid)
            return GP_ERR_NOMEM;
        for (int i = 0; i < n; i++)
            grid[i] = -1;
        for (int q = 0; q < m; q++)
            grid[j->full[q]] = res->grid[q];
        int kk = res->k;
        for (int i = 0; i < n; i++)
            if (grid[i] < 0)
                grid[i] = kk++;
        free(res->grid);
        res->grid = grid;
        res->k = kk;
    }
    /* honest figures: a lower bound between 0 (the objective cannot be
     * negative) and the objective, else the next method's, else 0 */
    if (res->feasible && m > 0 && isfinite(j->objective)) {
        if (!isnan(j->bound) && j->bound > j->objective)
            j->bound = j->bound <= j->objective * (1 + 1e-6) + 1e-12 ? j->objective : NAN;
        if (isnan(j->bound) || j->bound < 0) {
            if (isnan(j->bound))
                j->bound_by = "zero"; /* nothing proved more than the trivial bound */
            j->bound = 0;
        }
    }
    cm->seconds = j->seconds;
    cm->objective = j->objective;
    cm->bound = j->bound;
    cm->search = j->search;
    cm->bound_by = isfinite(j->bound) ? j->bound_by : NULL;
    cm->lns_solved = j->lns.solved;
    cm->lns_improved = j->lns.improved;
    cm->lns_stopped = j->lns.stopped;
    cm->units = j->work.used;
    cm->gap = NAN;
    if (n == 0) {
        cm->status = GP_CS_INFEASIBLE;
        snprintf(cm->reason, sizeof cm->reason, "no unit lies in this community: check that the units and "
                 "communities layers cover the same area");
        gp_log(ctx, GP_LOG_WARN, "community '%s': %s", cm->id, cm->reason);
        return GP_OK;
    }
    cm->status = res->feasible ? GP_CS_FEASIBLE : res->proven ? GP_CS_INFEASIBLE : GP_CS_NOT_FOUND;
    if (res->feasible && isfinite(j->objective) && isfinite(j->bound)) {
        cm->gap = j->objective > 0 ? fmin(1, fmax(0, (j->objective - j->bound) / j->objective)) : 0;
        if (cm->gap <= gap_tol)
            cm->status = GP_CS_OPTIMAL;
    }
    if (cm->status == GP_CS_FEASIBLE && j->work.capped)
        cm->status = GP_CS_TIME_CAPPED;
    if (j->kept && cm->prev >= 0) {
        /* the previous run's figures: the grids are its grids */
        const gp_prev_comm *pc = &ds->prev.comms[cm->prev];
        cm->status = pc->status;
        cm->objective = pc->objective;
        cm->bound = pc->bound;
        cm->gap = pc->gap;
        cm->bound_by = pc->bound_by;
        cm->search = "kept";
    }
    plan->units += j->work.used;
    plan->time_capped += j->work.capped;
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

