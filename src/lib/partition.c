/* Partition stage: divide one community's atoms into k contiguous grids
 * whose attributes lie within the scenario's bounds.
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

#include "internal.h"

static double now_s(void) { return gp_now(); }

/* splitmix64: small, fast, deterministic */
static unsigned long long rng_next(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double attr_total(const gp_part_problem *p, int a)
{
    double t = 0;
    for (int i = 0; i < p->n; i++)
        t += p->v[i][a];
    return t;
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
                snprintf(reason, len, "an atom has %g %s, above the %g maximum of one grid: split that unit or "
                         "raise the bound", p->v[i][a], unit[a], p->hi[a]);
                return false;
            }
        double t = attr_total(p, a), lo = p->lo[a], hi = p->hi[a];
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

/* ---- working state ------------------------------------------------------ */

typedef struct state {
    const gp_part_problem *p;
    int k;
    int *g;                      /* grid of each atom */
    double (*sum)[GP_NATTR];     /* per grid */
    int *size;
    double *sw, *sx, *sy, *sxx;  /* inertia sums per grid */
    double *w;                   /* inertia weight per atom */
    const int *home;             /* the grid each atom starts in (rebalancing), or NULL */
    double stab;                 /* stability weight per household */
    double hh_floor;             /* what an atom without households counts for */
    double scale[GP_NATTR];
    double mean_work;
    /* scratch */
    int *queue, *mark;
    int stamp;
} state;

static void st_free(state *s)
{
    free(s->g);
    free(s->sum);
    free(s->size);
    free(s->sw);
    free(s->sx);
    free(s->sy);
    free(s->sxx);
    free(s->w);
    free(s->queue);
    free(s->mark);
}

static bool st_init(state *s, const gp_part_problem *p, int k)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->k = k;
    int n = p->n;
    s->g = malloc((size_t)n * sizeof *s->g);
    s->sum = calloc((size_t)k, sizeof *s->sum);
    s->size = calloc((size_t)k, sizeof *s->size);
    s->sw = calloc((size_t)k, sizeof *s->sw);
    s->sx = calloc((size_t)k, sizeof *s->sx);
    s->sy = calloc((size_t)k, sizeof *s->sy);
    s->sxx = calloc((size_t)k, sizeof *s->sxx);
    s->w = malloc((size_t)n * sizeof *s->w);
    s->queue = malloc((size_t)n * sizeof *s->queue);
    s->mark = calloc((size_t)n, sizeof *s->mark);
    if (!s->g || !s->sum || !s->size || !s->sw || !s->sx || !s->sy || !s->sxx || !s->w || !s->queue || !s->mark) {
        st_free(s);
        return false;
    }
    double tw = attr_total(p, p->primary);
    for (int i = 0; i < n; i++)
        s->w[i] = p->v[i][p->primary] + 0.01 * (tw > 0 ? tw / n : 1.0);
    for (int a = 0; a < GP_NATTR; a++) {
        double sc = isfinite(p->hi[a]) ? p->hi[a] : p->lo[a];
        s->scale[a] = sc > 0 ? sc : 1.0;
    }
    s->mean_work = attr_total(p, GP_A_WORK) / k;
    return true;
}

static void st_add(state *s, int i, int g, double sign)
{
    const gp_part_problem *p = s->p;
    for (int a = 0; a < GP_NATTR; a++)
        s->sum[g][a] += sign * p->v[i][a];
    s->size[g] += (int)sign;
    double w = s->w[i], x = p->x[i], y = p->y[i];
    s->sw[g] += sign * w;
    s->sx[g] += sign * w * x;
    s->sy[g] += sign * w * y;
    s->sxx[g] += sign * w * (x * x + y * y);
}

static void st_assign(state *s, int i, int g)
{
    s->g[i] = g;
    st_add(s, i, g, 1);
}

static void st_move(state *s, int i, int to)
{
    st_add(s, i, s->g[i], -1);
    s->g[i] = to;
    st_add(s, i, to, 1);
}

/* Bound violation of one grid given its sums. */
static double viol_of(const state *s, const double *sum)
{
    const gp_part_problem *p = s->p;
    double v = 0;
    for (int a = 0; a < GP_NATTR; a++) {
        if (sum[a] < p->lo[a])
            v += (p->lo[a] - sum[a]) / s->scale[a];
        if (sum[a] > p->hi[a])
            v += (sum[a] - p->hi[a]) / s->scale[a];
    }
    return v;
}

static double total_viol(const state *s)
{
    double v = 0;
    for (int g = 0; g < s->k; g++)
        v += viol_of(s, s->sum[g]);
    return v;
}

static double inertia_of(double sw, double sx, double sy, double sxx)
{
    return sw > 0 ? sxx - (sx * sx + sy * sy) / sw : 0;
}

static double balance_of(const state *s, double work)
{
    double d = s->mean_work > 0 ? (work - s->mean_work) / s->mean_work : 0;
    return d * d;
}

/* Objective: balance of workload + compactness (inertia relative to i0). */
static double grid_obj(const state *s, int g, double i0)
{
    const gp_part_problem *p = s->p;
    return p->w_balance * balance_of(s, s->sum[g][GP_A_WORK]) +
           p->w_compact * inertia_of(s->sw[g], s->sx[g], s->sy[g], s->sxx[g]) / i0;
}

/* True when grid g stays connected without atom skip. */
static bool connected_without(state *s, int g, int skip)
{
    const gp_part_problem *p = s->p;
    int need = s->size[g] - (skip >= 0 && s->g[skip] == g ? 1 : 0);
    if (need <= 1)
        return need >= 0;
    int start = -1;
    for (int e = p->xadj[skip]; e < p->xadj[skip + 1] && start < 0; e++)
        if (s->g[p->adj[e]] == g)
            start = p->adj[e];
    if (start < 0)
        return false;
    /* a neighbour-count shortcut: a leaf never disconnects its grid */
    int nb = 0;
    for (int e = p->xadj[skip]; e < p->xadj[skip + 1]; e++)
        nb += s->g[p->adj[e]] == g;
    if (nb == 1)
        return true;
    s->stamp++;
    int head = 0, tail = 0, seen = 1;
    s->queue[tail++] = start;
    s->mark[start] = s->stamp;
    s->mark[skip] = s->stamp;
    while (head < tail) {
        int u = s->queue[head++];
        for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++) {
            int v = p->adj[e];
            if (s->g[v] == g && s->mark[v] != s->stamp) {
                s->mark[v] = s->stamp;
                s->queue[tail++] = v;
                seen++;
            }
        }
    }
    return seen == need;
}

bool gp_part_connected(const gp_part_problem *p, const int *grid, int g)
{
    int n = p->n, start = -1, need = 0;
    for (int i = 0; i < n; i++)
        if (grid[i] == g) {
            need++;
            if (start < 0)
                start = i;
        }
    if (need == 0)
        return false;
    char *seen = calloc((size_t)n, 1);
    int *q = malloc((size_t)n * sizeof *q);
    if (!seen || !q) {
        free(seen);
        free(q);
        return false;
    }
    int head = 0, tail = 0, cnt = 1;
    q[tail++] = start;
    seen[start] = 1;
    while (head < tail) {
        int u = q[head++];
        for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++) {
            int v = p->adj[e];
            if (grid[v] == g && !seen[v]) {
                seen[v] = 1;
                q[tail++] = v;
                cnt++;
            }
        }
    }
    free(seen);
    free(q);
    return cnt == need;
}

/* ---- 1. seeds and region growing ---------------------------------------- */

static void pick_seeds(const gp_part_problem *p, int k, unsigned long long *rng, int attempt, int *seed)
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
    if (!dmin) { /* out of memory: the first free atoms, in order */
        int j = placed;
        for (int i = 0; i < n && j < k; i++) {
            bool used = nl > 0 && p->lock[i] >= 0;
            for (int q = 0; q < j && !used; q++)
                used = seed[q] == i;
            if (!used)
                seed[j++] = i;
        }
        return;
    }
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
}

static void grow(state *s, const int *seed)
{
    const gp_part_problem *p = s->p;
    int n = p->n, k = s->k;
    for (int i = 0; i < n; i++)
        s->g[i] = -1;
    for (int g = 0; g < k; g++)
        st_assign(s, seed[g], g);
    int left = n - k;
    /* a lock group comes whole into its grid */
    for (int i = 0; p->lock && i < n; i++)
        if (p->lock[i] >= 0 && s->g[i] < 0) {
            st_assign(s, i, p->lock[i]);
            left--;
        }
    bool *stuck = calloc((size_t)k, sizeof *stuck);
    while (left > 0) {
        /* lightest grid that can still grow */
        int gbest = -1;
        double lbest = DBL_MAX;
        for (int g = 0; g < k; g++) {
            if (stuck && stuck[g])
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
            if (stuck)
                stuck[gbest] = true;
            else
                break;
            continue;
        }
        st_assign(s, ib, gbest);
        left--;
    }
    free(stuck);
    /* anything unreachable (only if the graph were disconnected) */
    for (int i = 0; i < n; i++)
        if (s->g[i] < 0)
            st_assign(s, i, 0);
}

/* ---- 2/3. local search -------------------------------------------------- */

/* Squared distance of a grid's bounded attributes from the middle of their
 * ranges (scaled): lower is further from every bound. */
static double spread_of(const state *s, const double *sum)
{
    const gp_part_problem *p = s->p;
    double v = 0;
    for (int a = 0; a < GP_NATTR; a++) {
        if (!isfinite(p->lo[a]) && !isfinite(p->hi[a]))
            continue;
        double mid = isfinite(p->lo[a]) && isfinite(p->hi[a]) ? (p->lo[a] + p->hi[a]) / 2
                   : isfinite(p->hi[a])                      ? p->hi[a] * 0.8
                                                             : p->lo[a] * 1.2;
        double d = (sum[a] - mid) / s->scale[a];
        v += d * d;
    }
    return v;
}

/* What moving atom i from -> to does to the moved total: its households
 * plus one average atom's worth, so that stability keeps every atom, not
 * only the inhabited ones. */
static double moved_delta(const state *s, int i, int from, int to)
{
    if (!s->home)
        return 0;
    return (s->p->v[i][GP_A_HH] + s->hh_floor) * ((s->home[i] != to) - (s->home[i] != from));
}

/* One pass over boundary atoms. mode 0: lower the violation; mode 2: keep
 * it and spread load evenly; mode 1: keep it and lower the objective.
 * Returns moves made. */
static int improve_pass(state *s, int mode, double i0)
{
    const gp_part_problem *p = s->p;
    int moves = 0;
    double tmp_from[GP_NATTR], tmp_to[GP_NATTR];
    for (int i = 0; i < p->n; i++) {
        int from = s->g[i];
        if (s->size[from] <= 1 || (p->lock && p->lock[i] >= 0))
            continue; /* locked atoms stay */
        int best_to = -1;
        double best_gain = 1e-12;
        for (int e = p->xadj[i]; e < p->xadj[i + 1]; e++) {
            int to = s->g[p->adj[e]];
            if (to == from)
                continue;
            bool dup = false;
            for (int e2 = p->xadj[i]; e2 < e; e2++)
                dup |= s->g[p->adj[e2]] == to;
            if (dup)
                continue;
            for (int a = 0; a < GP_NATTR; a++) {
                tmp_from[a] = s->sum[from][a] - p->v[i][a];
                tmp_to[a] = s->sum[to][a] + p->v[i][a];
            }
            double dv = viol_of(s, tmp_from) + viol_of(s, tmp_to) - viol_of(s, s->sum[from]) - viol_of(s, s->sum[to]);
            double gain;
            if (mode == 0) {
                gain = -dv;
            } else if (mode == 2) {
                /* spread: keep the violation, move load from fuller to
                 * emptier grids so that excess can travel to a deficit
                 * that is not next door */
                if (dv > 1e-12)
                    continue;
                gain = spread_of(s, s->sum[from]) + spread_of(s, s->sum[to]) - spread_of(s, tmp_from) -
                       spread_of(s, tmp_to) - dv * 1e3;
            } else {
                if (dv > 1e-12)
                    continue;
                double w = s->w[i], x = p->x[i], y = p->y[i];
                double before = grid_obj(s, from, i0) + grid_obj(s, to, i0);
                double ifrom = inertia_of(s->sw[from] - w, s->sx[from] - w * x, s->sy[from] - w * y,
                                          s->sxx[from] - w * (x * x + y * y));
                double ito = inertia_of(s->sw[to] + w, s->sx[to] + w * x, s->sy[to] + w * y,
                                        s->sxx[to] + w * (x * x + y * y));
                double after = p->w_balance * (balance_of(s, tmp_from[GP_A_WORK]) + balance_of(s, tmp_to[GP_A_WORK])) +
                               p->w_compact * (ifrom + ito) / i0;
                gain = before - after - dv * 1e3 - s->stab * moved_delta(s, i, from, to);
            }
            if (gain > best_gain) {
                best_gain = gain;
                best_to = to;
            }
        }
        if (best_to >= 0 && connected_without(s, from, i)) {
            st_move(s, i, best_to);
            moves++;
        }
    }
    return moves;
}

static double objective(const state *s, double i0)
{
    double f = 0;
    for (int g = 0; g < s->k; g++)
        f += grid_obj(s, g, i0);
    return f;
}

/* Repair (lower the violation; when stuck, spread the load, which opens
 * new improving moves, and try again), then improve the objective without
 * raising the violation. */
static void local_search(state *s, double deadline, double i0)
{
    for (int round = 0; round < 50 && total_viol(s) > 0 && now_s() < deadline; round++) {
        for (int it = 0; it < 500 && total_viol(s) > 0 && now_s() < deadline; it++)
            if (improve_pass(s, 0, i0) == 0)
                break;
        if (total_viol(s) <= 0)
            break;
        int moved = 0;
        for (int it = 0; it < 20 && now_s() < deadline; it++) {
            int m = improve_pass(s, 2, i0);
            moved += m;
            if (m == 0)
                break;
        }
        if (moved == 0)
            break;
    }
    for (int it = 0; it < 200 && now_s() < deadline; it++)
        if (improve_pass(s, 1, i0) == 0)
            break;
}

/* One restart: grow, repair, improve. */
static void solve_once(state *s, int attempt, unsigned long long *rng, double deadline, double *i0)
{
    int *seed = malloc((size_t)s->k * sizeof *seed);
    if (!seed)
        return;
    for (int g = 0; g < s->k; g++) {
        s->size[g] = 0;
        s->sw[g] = s->sx[g] = s->sy[g] = s->sxx[g] = 0;
        memset(s->sum[g], 0, sizeof s->sum[g]);
    }
    pick_seeds(s->p, s->k, rng, attempt, seed);
    grow(s, seed);
    free(seed);
    if (*i0 <= 0) {
        double t = 0;
        for (int g = 0; g < s->k; g++)
            t += inertia_of(s->sw[g], s->sx[g], s->sy[g], s->sxx[g]);
        *i0 = t > 0 ? t : 1.0;
    }
    local_search(s, deadline, *i0);
}

/* Splits grid g of lab into g and a new grid ng for rebalancing when the
 * plan in force has too few grids. Two seeds far apart in g; each side
 * grows over g's atoms from its seed, the side further below its target
 * taking its unassigned neighbour nearest its seed (a lock group whole),
 * so both sides stay connected. The new side aims at the least of the
 * primary attribute the bounds allow (max(lower bound, total - upper
 * bound)), so that as little as possible changes grid. Returns false when
 * g cannot be split. */
static bool split_grid(const gp_part_problem *p, int *lab, int g, int ng)
{
    int n = p->n, m = 0, a = -1, b = -1;
    double cx = 0, cy = 0, tot = 0;
    for (int i = 0; i < n; i++)
        if (lab[i] == g)
            m++, cx += p->x[i], cy += p->y[i], tot += p->v[i][p->primary];
    if (m < 2)
        return false;
    cx /= m, cy /= m;
    double far = -1;
    for (int i = 0; i < n; i++) { /* a: farthest from the middle; b: farthest from a */
        double d = (p->x[i] - cx) * (p->x[i] - cx) + (p->y[i] - cy) * (p->y[i] - cy);
        if (lab[i] == g && d > far)
            far = d, a = i;
    }
    far = -1;
    for (int i = 0; i < n; i++)
        if (lab[i] == g && i != a && (!p->lock || p->lock[i] < 0 || p->lock[i] != p->lock[a]) &&
            gp_model_d2(p, i, a) > far)
            far = gp_model_d2(p, i, a), b = i;
    if (b < 0)
        return false; /* all of g is one lock group */
    double lo = p->lo[p->primary], hi = p->hi[p->primary];
    double t1 = isfinite(lo) ? fmax(lo, isfinite(hi) ? tot - hi : 0) : tot / 2;
    if (t1 > tot / 2 || t1 <= 0)
        t1 = tot / 2;
    double target[2] = {tot - t1, t1}, sum[2] = {0, 0};
    int seed[2] = {a, b}, *side = malloc((size_t)n * sizeof *side);
    if (!side)
        return false;
    for (int i = 0; i < n; i++)
        side[i] = lab[i] == g ? -1 : -2;
    int left = m;
    for (int c = 0; c < 2; c++) { /* the seeds, with their lock groups */
        for (int i = 0; i < n; i++)
            if (i == seed[c] || (p->lock && p->lock[seed[c]] >= 0 && p->lock[i] == p->lock[seed[c]])) {
                side[i] = c, sum[c] += p->v[i][p->primary], left--;
            }
    }
    while (left > 0) {
        int order[2] = {0, 1};
        double r0 = target[0] > 0 ? sum[0] / target[0] : 1, r1 = target[1] > 0 ? sum[1] / target[1] : 1;
        if (r1 < r0)
            order[0] = 1, order[1] = 0;
        int pick = -1, c = -1;
        for (int t = 0; t < 2 && pick < 0; t++) {
            c = order[t];
            double best = INFINITY;
            for (int i = 0; i < n; i++) {
                if (side[i] != -1)
                    continue;
                bool next = false;
                for (int e = p->xadj[i]; e < p->xadj[i + 1] && !next; e++)
                    next = side[p->adj[e]] == c;
                double d = gp_model_d2(p, i, seed[c]);
                if (next && d < best)
                    best = d, pick = i;
            }
        }
        if (pick < 0)
            break; /* g was not connected */
        for (int i = 0; i < n; i++)
            if (i == pick || (p->lock && p->lock[pick] >= 0 && p->lock[i] == p->lock[pick])) {
                side[i] = c, sum[c] += p->v[i][p->primary], left--;
            }
    }
    bool ok = left == 0;
    for (int i = 0; ok && i < n; i++)
        if (side[i] == 1)
            lab[i] = ng;
    free(side);
    return ok;
}

/* Merges the grid of lab with the least primary total into its lightest
 * neighbouring grid (never two lock groups into one), keeping the labels
 * 0..k-2. Returns false when no grid can be merged. */
static bool merge_grid(const gp_part_problem *p, int *lab, int k)
{
    int n = p->n;
    double *tot = calloc((size_t)k, sizeof *tot);
    bool *locked = calloc((size_t)k, sizeof *locked), *tried = calloc((size_t)k, sizeof *tried);
    bool ok = false;
    if (!tot || !locked || !tried) {
        free(tot), free(locked), free(tried);
        return false;
    }
    for (int i = 0; i < n; i++) {
        tot[lab[i]] += p->v[i][p->primary];
        locked[lab[i]] |= p->lock && p->lock[i] >= 0;
    }
    for (int round = 0; round < k && !ok; round++) {
        int g = -1;
        for (int h = 0; h < k; h++)
            if (!tried[h] && (g < 0 || tot[h] < tot[g]))
                g = h;
        tried[g] = true;
        int into = -1;
        for (int i = 0; i < n; i++)
            for (int e = p->xadj[i]; lab[i] == g && e < p->xadj[i + 1]; e++) {
                int h = lab[p->adj[e]];
                if (h != g && !(locked[g] && locked[h]) && (into < 0 || tot[h] < tot[into] ||
                                                            (tot[h] == tot[into] && h < into)))
                    into = h;
            }
        if (into < 0)
            continue;
        for (int i = 0; i < n; i++) {
            if (lab[i] == g)
                lab[i] = into;
            if (lab[i] == k - 1)
                lab[i] = g == k - 1 ? into : g;
        }
        ok = true;
    }
    free(tot), free(locked), free(tried);
    return ok;
}

/* Rebalancing at kt grids from the plan in force lab0 (k0 grids): splits
 * the heaviest grids, or merges the lightest into a neighbour, one grid at
 * a time, then moves only what the bounds and the objective (stability
 * included) call for. True with res filled when every bound is met. */
static bool rebalance_at(const gp_part_problem *p, const int *lab0, int k0, int kt, double deadline,
                         gp_part_result *res)
{
    int n = p->n, k = k0;
    int *lab = malloc((size_t)n * sizeof *lab);
    double *tot = calloc((size_t)(kt > k0 ? kt : k0), sizeof *tot);
    bool ok = lab && tot;
    if (ok)
        memcpy(lab, lab0, (size_t)n * sizeof *lab);
    while (ok && k < kt) {
        memset(tot, 0, (size_t)k * sizeof *tot);
        for (int i = 0; i < n; i++)
            tot[lab[i]] += p->v[i][p->primary];
        bool split = false;
        for (int round = 0; round < k && !split; round++) {
            int g = 0;
            for (int h = 1; h < k; h++)
                if (tot[h] > tot[g])
                    g = h;
            split = split_grid(p, lab, g, k);
            tot[g] = -INFINITY;
        }
        ok = split;
        k += split;
    }
    while (ok && k > kt)
        if ((ok = merge_grid(p, lab, k)))
            k--;
    state s;
    if (ok && st_init(&s, p, k)) {
        double hh = 0;
        for (int i = 0; i < n; i++) {
            st_assign(&s, i, lab[i]);
            hh += p->v[i][GP_A_HH];
        }
        s.home = lab;
        s.hh_floor = hh > 0 ? hh / n : 1.0;
        s.stab = p->w_stability / (hh + s.hh_floor * n);
        double i0 = 0;
        for (int g = 0; g < k; g++)
            i0 += inertia_of(s.sw[g], s.sx[g], s.sy[g], s.sxx[g]);
        i0 = i0 > 0 ? i0 : 1.0;
        local_search(&s, deadline, i0);
        ok = total_viol(&s) <= 0;
        if (ok) {
            memcpy(res->grid, s.g, (size_t)n * sizeof *s.g);
            res->k = k;
            res->violation = 0;
            res->feasible = true;
            res->rebalanced = true;
        }
        st_free(&s);
    } else {
        ok = false;
    }
    free(lab);
    free(tot);
    return ok;
}

/* Rebalancing: start from the plan in force (atoms without an existing
 * grid join a neighbouring one) and move only what the bounds and the
 * objective, stability included, call for. Returns true with res filled
 * when that gives a plan within the bounds. */
static bool rebalance(const gp_part_problem *p, int kmin, int kmax, double deadline, gp_part_result *res)
{
    int n = p->n, k = 0;
    int *lab = malloc((size_t)n * sizeof *lab), *map = NULL, nmap = 0;
    bool ok = lab != NULL;
    for (int i = 0; ok && i < n; i++) {
        lab[i] = -1;
        if (p->existing[i] < 0)
            continue;
        int m = 0;
        while (m < nmap && map[m] != p->existing[i])
            m++;
        if (m == nmap) {
            int *nm = realloc(map, (size_t)(nmap + 1) * sizeof *nm);
            if (!nm) {
                ok = false;
                break;
            }
            map = nm;
            map[nmap++] = p->existing[i];
        }
        lab[i] = m;
    }
    k = nmap;
    /* unplaced atoms join a labelled neighbour, in index order, until none left */
    for (bool changed = true; ok && changed;) {
        changed = false;
        for (int i = 0; i < n; i++)
            for (int e = p->xadj[i]; lab[i] < 0 && e < p->xadj[i + 1]; e++)
                if (lab[p->adj[e]] >= 0)
                    lab[i] = lab[p->adj[e]], changed = true;
    }
    for (int i = 0; ok && i < n; i++)
        ok = lab[i] >= 0;
    for (int g = 0; ok && g < k; g++)
        ok = gp_part_connected(p, lab, g);
    /* locks: the plan in force must already hold each group in one grid,
     * and two groups in two grids */
    for (int i = 0; ok && p->lock && i < n; i++)
        for (int j = 0; ok && p->lock[i] >= 0 && j < i; j++)
            if (p->lock[j] >= 0)
                ok = (p->lock[i] == p->lock[j]) == (lab[i] == lab[j]);
    /* the count the plan in force has, if the bounds allow it; else the
     * nearest they allow; then one more, then one fewer (a count the
     * bounds allow may still be too tight for the atoms at hand) */
    int k0 = k < kmin ? kmin : k > kmax ? kmax : k, tries[3] = {k0, k0 + 1, k0 - 1};
    bool done = false;
    for (int t = 0; ok && !done && t < 3 && now_s() < deadline; t++)
        if (tries[t] >= kmin && tries[t] <= kmax && tries[t] <= n)
            done = rebalance_at(p, lab, k, tries[t], deadline, res);
    free(lab);
    free(map);
    return done;
}

gp_status gp_partition(const gp_part_problem *p, gp_part_result *res)
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
        res->violation = INFINITY;
        return GP_OK;
    }
    /* preferred count: nearest the middle of the primary bound */
    double t = attr_total(p, p->primary), lo = p->lo[p->primary], hi = p->hi[p->primary];
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

    double start = now_s();
    double deadline = p->time_limit > 0 ? start + p->time_limit : DBL_MAX;
    for (int g = 0; p->lock && g < p->n_locks; g++)
        if (!gp_part_connected(p, p->lock, g)) {
            for (int i = 0; i < p->n; i++)
                res->grid[i] = 0;
            res->k = 1;
            res->feasible = false;
            res->violation = INFINITY;
            snprintf(res->reason, sizeof res->reason, "the units locked to '%s' are not contiguous, and a grid must "
                     "be: lock connected units only, or split the lock", p->lock_names ? p->lock_names[g] : "?");
            return GP_OK;
        }
    if (p->existing && p->w_stability > 0 && rebalance(p, kmin, kmax, deadline, res))
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
            state s;
            if (!st_init(&s, p, k))
                return GP_ERR_NOMEM;
            double i0 = 0;
            int attempts = p->n <= 2000 ? 12 : 4;
            /* while no plan meets the bounds, keep restarting until the time
             * limit (at most 25 times the usual) */
            for (int at = 0; at < attempts || (best_v > 0 && at < 250 * attempts && p->time_limit > 0); at++) {
                solve_once(&s, at, &rng, deadline, &i0);
                double v = total_viol(&s), f = objective(&s, i0);
                if (v < best_v - 1e-12 || (fabs(v - best_v) <= 1e-12 && f < best_f - 1e-12)) {
                    best_v = v;
                    best_f = f;
                    best_k = k;
                    memcpy(res->grid, s.g, (size_t)p->n * sizeof *s.g);
                }
                if (now_s() >= deadline)
                    break;
            }
            st_free(&s);
            if (best_v <= 0 || now_s() >= deadline)
                goto out;
        }
    }
out:
    res->k = best_k;
    res->violation = best_v;
    res->feasible = best_v <= 0;
    if (!res->feasible)
        snprintf(res->reason, sizeof res->reason,
                 "no plan within the bounds was found with %d..%d grids%s (total violation %.3f of a bound): "
                 "widen the bounds or split large units", kmin, kmax,
                 now_s() >= deadline ? " before the time limit" : "", best_v);
    return GP_OK;
}

void gp_part_result_free(gp_part_result *res)
{
    if (!res)
        return;
    free(res->grid);
    res->grid = NULL;
}
