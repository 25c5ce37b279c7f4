/* The partition heuristic: divide one community's atoms into k contiguous
 * grids whose attributes lie within the scenario's bounds.
 *
 * Heuristic:
 *  1. region growing from k seeds spread out by farthest-point sampling; the
 *     lightest grid takes its nearest unassigned neighbour each step;
 *  2. repair by local search: move a boundary atom to a neighbouring grid
 *     when the donor stays connected and the total bound violation drops;
 *  3. improve: moves that keep every bound and lower the objective
 *     (workload balance + compactness as moment of inertia);
 *  4. several deterministic restarts; the best plan is kept.
 * Same problem and seed give the same plan. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solve/local.h"

/* splitmix64: small, fast, deterministic */
static unsigned long long rng_next(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static bool bounded(const gp_part_problem *p, int a) { return isfinite(p->lo[a]) || isfinite(p->hi[a]); }

bool gp_part_count_range(const gp_part_problem *p, int *k_min, int *k_max, char *reason, size_t len)
{
    static const char *unit[GP_NATTR] = {"households", "population", "cases", "case load", "workload"};
    int lo_k = p->k_min > 1 ? p->k_min : 1, hi_k = p->k_max > 0 ? p->k_max : p->n;
    if (hi_k > p->n)
        hi_k = p->n;
    if (p->n_locks > lo_k)
        lo_k = p->n_locks; /* every lock group is a grid of its own */
    if (p->lock) {
        /* a grid is a lock group or starts from a free atom */
        int locked = 0;
        for (int i = 0; i < p->n; i++)
            locked += p->lock[i] >= 0;
        if (p->n_locks + (p->n - locked) < hi_k)
            hi_k = p->n_locks + (p->n - locked);
    }
    if (p->n == 0) {
        snprintf(reason, len, "the community has no atoms: no unit lies in it");
        return false;
    }
    for (int a = 0; a < GP_NATTR; a++) {
        if (!bounded(p, a))
            continue;
        for (int i = 0; i < p->n; i++)
            if (p->v[i][a] > p->hi[a] * (1 + 1e-12)) {
                if (p->names && p->names[i])
                    snprintf(reason, len, "atom '%s' has %g %s, above the %g maximum of one grid: split that unit "
                             "(or use smaller cells) or raise the bound", p->names[i], p->v[i][a], unit[a], p->hi[a]);
                else
                    snprintf(reason, len, "an atom has %g %s, above the %g maximum of one grid: split that unit or "
                             "raise the bound", p->v[i][a], unit[a], p->hi[a]);
                return false;
            }
        double t = gp_ls_total(p, a), lo = p->lo[a], hi = p->hi[a];
        int need_lo = isfinite(hi) ? (int)ceil(t / hi - 1e-9) : 1;
        int need_hi = lo > 0 ? (int)floor(t / lo + 1e-9) : p->n;
        if (need_lo < 1)
            need_lo = 1;
        if (lo > 0 && t < lo) {
            snprintf(reason, len, "the community has %g %s, below the %g minimum of one grid: merge it with a "
                     "neighbour or lower the bound", t, unit[a], lo);
            return false;
        }
        if (need_lo > need_hi) {
            /* nearest bounds that would work: raise the max for the
             * smaller count, or lower the min for the larger one */
            int k1 = need_hi, k2 = need_lo;
            snprintf(reason, len, "%g %s cannot be split into grids of %g..%g: %d grids need a maximum of at "
                     "least %.0f, %d grids a minimum of at most %.0f; change the bounds to %g..%.0f or %.0f..%g",
                     t, unit[a], lo, hi, k1, ceil(t / k1), k2, floor(t / k2), lo, ceil(t / k1), floor(t / k2), hi);
            return false;
        }
        if (need_lo > lo_k)
            lo_k = need_lo;
        if (need_hi < hi_k)
            hi_k = need_hi;
    }
    if (lo_k > hi_k) {
        if (p->n_locks > hi_k)
            snprintf(reason, len, "%d groups of locked units need %d grids, but the bounds and [grid] count allow "
                     "at most %d: lock fewer groups or relax the bounds", p->n_locks, p->n_locks, hi_k);
        else
            snprintf(reason, len, "no grid count meets every bound and the [grid] count together (%d..%d grids "
                     "possible by the bounds and count): relax a bound or the count", lo_k, hi_k);
        return false;
    }
    *k_min = lo_k;
    *k_max = hi_k;
    return true;
}

/* ---- 1. seeds and region growing ---------------------------------------- */

/* false: out of memory */
static bool pick_seeds(const gp_part_problem *p, int k, unsigned long long *rng, int attempt, int *seed)
{
    int n = p->n;
    double cx = 0, cy = 0;
    for (int i = 0; i < n; i++) {
        cx += p->x[i];
        cy += p->y[i];
    }
    cx /= n;
    cy /= n;
    int first = 0;
    if (attempt == 0) {
        double bd = -1;
        for (int i = 0; i < n; i++) {
            double d = (p->x[i] - cx) * (p->x[i] - cx) + (p->y[i] - cy) * (p->y[i] - cy);
            if (d > bd) {
                bd = d;
                first = i;
            }
        }
    } else {
        first = (int)(rng_next(rng) % (unsigned long long)n);
    }
    /* lock groups seed the first grids (their first atom stands for them);
     * the other seeds are free atoms */
    int placed = 1, nl = p->lock ? p->n_locks : 0;
    if (nl > 0) {
        placed = nl;
        for (int g = 0; g < nl; g++)
            seed[g] = -1;
        for (int i = 0; i < n; i++)
            if (p->lock[i] >= 0 && seed[p->lock[i]] < 0)
                seed[p->lock[i]] = i;
    } else {
        seed[0] = first;
    }
    double *dmin = malloc((size_t)n * sizeof *dmin);
    if (!dmin)
        return false;
    for (int i = 0; i < n; i++)
        dmin[i] = nl > 0 && p->lock[i] >= 0 ? -1 : DBL_MAX;
    for (int j0 = 0; j0 < placed; j0++)
        dmin[seed[j0]] = -1; /* never a seed twice */
    for (int j0 = 0; j0 < placed - 1; j0++) /* distances to all but the last placed seed */
        for (int i = 0; i < n; i++) {
            double d = (p->x[i] - p->x[seed[j0]]) * (p->x[i] - p->x[seed[j0]]) +
                       (p->y[i] - p->y[seed[j0]]) * (p->y[i] - p->y[seed[j0]]);
            if (dmin[i] >= 0 && d < dmin[i])
                dmin[i] = d;
        }
    for (int j = placed; j < k; j++) {
        int last = seed[j - 1], best = -1;
        double bd = -1;
        for (int i = 0; i < n; i++) {
            if (dmin[i] < 0)
                continue; /* a seed, or locked */
            double d = (p->x[i] - p->x[last]) * (p->x[i] - p->x[last]) + (p->y[i] - p->y[last]) * (p->y[i] - p->y[last]);
            if (d < dmin[i])
                dmin[i] = d;
            /* jitter later attempts a little so restarts differ */
            double score = dmin[i] * (attempt ? 0.75 + 0.5 * (double)(rng_next(rng) % 1000) / 1000.0 : 1.0);
            if (score > bd) {
                bd = score;
                best = i;
            }
        }
        if (best < 0) { /* every free atom is a seed: the count check prevents it */
            for (; j < k; j++)
                seed[j] = seed[0];
            break;
        }
        seed[j] = best;
        dmin[best] = -1;
    }
    free(dmin);
    return true;
}

/* false: out of memory */
static bool grow(gp_ls *s, const int *seed)
{
    const gp_part_problem *p = s->p;
    int n = p->n, k = s->k;
    for (int i = 0; i < n; i++)
        s->g[i] = -1;
    for (int g = 0; g < k; g++)
        gp_ls_assign(s, seed[g], g);
    int left = n - k;
    /* a lock group comes whole into its grid */
    for (int i = 0; p->lock && i < n; i++)
        if (p->lock[i] >= 0 && s->g[i] < 0) {
            gp_ls_assign(s, i, p->lock[i]);
            left--;
        }
    bool *stuck = calloc((size_t)k, sizeof *stuck);
    if (!stuck)
        return false;
    while (left > 0) {
        /* lightest grid that can still grow */
        int gbest = -1;
        double lbest = DBL_MAX;
        for (int g = 0; g < k; g++) {
            if (stuck[g])
                continue;
            double l = s->sum[g][p->primary] / s->scale[p->primary] + 1e-9 * s->size[g];
            if (l < lbest) {
                lbest = l;
                gbest = g;
            }
        }
        if (gbest < 0)
            break;
        /* its unassigned neighbour nearest the grid's centre */
        double gx = s->sx[gbest] / s->sw[gbest], gy = s->sy[gbest] / s->sw[gbest];
        int ib = -1;
        double db = DBL_MAX;
        for (int i = 0; i < n; i++) {
            if (s->g[i] != gbest)
                continue;
            for (int e = p->xadj[i]; e < p->xadj[i + 1]; e++) {
                int v = p->adj[e];
                if (s->g[v] >= 0)
                    continue;
                double d = (p->x[v] - gx) * (p->x[v] - gx) + (p->y[v] - gy) * (p->y[v] - gy);
                if (d < db || (d == db && v < ib)) {
                    db = d;
                    ib = v;
                }
            }
        }
        if (ib < 0) {
            stuck[gbest] = true;
            continue;
        }
        gp_ls_assign(s, ib, gbest);
        left--;
    }
    free(stuck);
    /* anything unreachable (only if the graph were disconnected) */
    for (int i = 0; i < n; i++)
        if (s->g[i] < 0)
            gp_ls_assign(s, i, 0);
    return true;
}

/* One restart: grow, repair, improve; false: out of memory. */
static bool solve_once(gp_ls *s, int attempt, unsigned long long *rng, gp_work *w, double *i0)
{
    int *seed = malloc((size_t)s->k * sizeof *seed);
    if (!seed)
        return false;
    for (int g = 0; g < s->k; g++) {
        s->size[g] = 0;
        s->sw[g] = s->sx[g] = s->sy[g] = s->sxx[g] = 0;
        memset(s->sum[g], 0, sizeof s->sum[g]);
    }
    bool ok = pick_seeds(s->p, s->k, rng, attempt, seed) && grow(s, seed);
    /* each step of growth scans the atoms for the grid's: about a tenth of a
     * pass's look at an atom */
    gp_work_spend(w, 0.1 * GP_WORK_ATOM * s->p->n * (s->p->n - s->k + 1));
    free(seed);
    if (!ok)
        return false;
    if (*i0 <= 0) {
        double t = 0;
        for (int g = 0; g < s->k; g++)
            t += gp_ls_inertia(s->sw[g], s->sx[g], s->sy[g], s->sxx[g]);
        *i0 = t > 0 ? t : 1.0;
    }
    gp_ls_search(s, w, *i0);
    return true;
}

gp_status gp_partition(const gp_part_problem *p, gp_work *w, gp_part_result *res)
{
    memset(res, 0, sizeof *res);
    if (!p || p->n <= 0)
        return GP_ERR_ARG;
    int kmin, kmax;
    res->grid = malloc((size_t)p->n * sizeof *res->grid);
    if (!res->grid)
        return GP_ERR_NOMEM;
    if (!gp_part_count_range(p, &kmin, &kmax, res->reason, sizeof res->reason)) {
        /* no count can work: one grid per ... none; report only */
        for (int i = 0; i < p->n; i++)
            res->grid[i] = 0;
        res->k = 1;
        res->feasible = false;
        res->proven = true;
        res->violation = INFINITY;
        return GP_OK;
    }
    /* preferred count: nearest the middle of the primary bound */
    double t = gp_ls_total(p, p->primary), lo = p->lo[p->primary], hi = p->hi[p->primary];
    int kpref;
    if (isfinite(lo) && isfinite(hi) && lo > 0)
        kpref = (int)lround(t / ((lo + hi) / 2));
    else if (isfinite(hi))
        kpref = kmin;
    else
        kpref = kmax < p->n ? kmax : kmin;
    if (kpref < kmin)
        kpref = kmin;
    if (kpref > kmax)
        kpref = kmax;

    for (int g = 0; p->lock && g < p->n_locks; g++)
        if (!gp_part_connected(p, p->lock, g)) {
            for (int i = 0; i < p->n; i++)
                res->grid[i] = 0;
            res->k = 1;
            res->feasible = false;
            res->proven = true;
            res->violation = INFINITY;
            snprintf(res->reason, sizeof res->reason, "the units locked to '%s' are not contiguous, and a grid must "
                     "be: lock connected units only, or split the lock", p->lock_names ? p->lock_names[g] : "?");
            return GP_OK;
        }
    if (p->existing && p->w_stability > 0 && gp_rebalance(p, kmin, kmax, w, res))
        return GP_OK;
    unsigned long long rng = 0x5eedULL ^ ((unsigned long long)p->seed << 17);
    double best_v = INFINITY, best_f = INFINITY;
    int best_k = kpref;
    /* try counts outward from the preferred one until a feasible plan */
    for (int d = 0; d <= kmax - kmin; d++) {
        for (int sgn = 0; sgn < 2; sgn++) {
            int k = sgn ? kpref - d : kpref + d;
            if ((sgn && d == 0) || k < kmin || k > kmax || k > p->n)
                continue;
            gp_ls s;
            if (!gp_ls_init(&s, p, k))
                return GP_ERR_NOMEM;
            double i0 = 0;
            int attempts = p->n <= 2000 ? 12 : 4;
            /* while no plan meets the bounds, keep restarting while the
             * budget lasts (at most 250 times the usual); once one does,
             * stop at the budget's "enough" */
            for (int at = 0; at < attempts || (best_v > 0 && at < 250 * attempts); at++) {
                if (!solve_once(&s, at, &rng, w, &i0)) {
                    gp_ls_free(&s);
                    return GP_ERR_NOMEM;
                }
                double v = gp_ls_violation(&s), f = gp_ls_objective(&s, i0);
                if (v < best_v - 1e-12 || (fabs(v - best_v) <= 1e-12 && f < best_f - 1e-12)) {
                    best_v = v;
                    best_f = f;
                    best_k = k;
                    memcpy(res->grid, s.g, (size_t)p->n * sizeof *s.g);
                }
                if (gp_work_left(w) <= 0 || (best_v <= 0 && w->enough > 0 && w->used >= w->enough))
                    break;
            }
            gp_ls_free(&s);
            if (best_v <= 0 || gp_work_left(w) <= 0)
                goto out;
        }
    }
out:
    res->k = best_k;
    res->violation = best_v;
    res->feasible = best_v <= 0;
    if (!res->feasible) /* a search that found nothing, not a proof */
        snprintf(res->reason, sizeof res->reason,
                 "no plan within the bounds was found with %d..%d grids within the work budget (the best misses "
                 "them by %.3f of a bound), and none was proven impossible: raise [solver] effort, widen the "
                 "bounds or split large units", kmin, kmax, best_v);
    return GP_OK;
}

void gp_part_result_free(gp_part_result *res)
{
    if (!res)
        return;
    free(res->grid);
    res->grid = NULL;
}
