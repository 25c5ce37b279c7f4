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

/* Seconds left of the community's time limit (60 without one). */
static double job_time_left(const gp_job *j, double t0)
{
    return j->p.time_limit > 0 ? j->p.time_limit - (gp_now() - t0) : 60;
}

/* The Lagrangian bound in the time left, when nothing else proved one. */
static void job_lagrange(gp_job *j, double t0)
{
    double left = job_time_left(j, t0);
    if (isfinite(j->bound) || left <= 0.05)
        return;
    j->bound_by = "lagrangian";
    if (gp_model_lagrange(&j->p, j->res.k, j->res.grid, j->objective, left, j->p.gap, &j->bound, NULL) != GP_OK)
        j->bound = NAN;
}

void gp_job_solve(gp_job *j, gp_ctx *tctx)
{
    const gp_dataset *ds = j->ds;
    const gp_community *cm = &ds->comms[j->c];
    double t0 = gp_now();
    int n = cm->n_atoms;
    if (!gp_job_build(j) || n == 0)
        return;
    int m = j->p.n;
    if (m > 0) {
        gp_csr graph = gp_part_graph(&j->p);
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

gp_status gp_job_finish(gp_ctx *ctx, gp_job *j, gp_plan *plan, double gap_tol)
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

