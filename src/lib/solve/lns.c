/* Large-neighbourhood search for communities too large for one model.
 *
 * Branch and cut on the whole Hess model (n^2 columns) is out of reach
 * beyond a few hundred atoms, but the objective is a sum over grids: free a
 * few adjacent grids, solve the model on their atoms alone (same bounds,
 * contiguity cuts, the current plan as the start), and the whole plan is
 * better by exactly what that small model gains. Each grid in turn frees
 * itself and the neighbours it shares the longest boundary with, up to
 * LNS_MAX_GRIDS grids and LNS_MAX_ATOMS atoms. A neighbourhood solved to
 * its optimum is not solved again until one of its grids changes; the
 * search ends when every neighbourhood is settled or time runs out. Each
 * accepted plan is contiguous (the sub-model's cuts, checked again) and
 * within bounds, so the plan only ever improves. Deterministic for a given
 * plan when no sub-model hits its time limit. Pairs of grids come first
 * (their models solve in a fraction of a second); once every pair is
 * settled, three grids at a time. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solve/solve.h"

#define LNS_MAX_GRIDS 3
#define LNS_MAX_ATOMS 90
#define LNS_SUB_SECONDS 1.0

typedef struct lns {
    const gp_part_problem *p;
    int n, k;
    int *grid;
    int *shared;             /* k x k: adjacency edges between two grids */
    unsigned *ver;           /* per grid: bumped when it changes */
    unsigned long long *done;/* per grid: signature of its settled neighbourhood */
    int *size;
} lns;

static void count_shared(lns *L)
{
    const gp_part_problem *p = L->p;
    memset(L->shared, 0, (size_t)L->k * L->k * sizeof *L->shared);
    memset(L->size, 0, (size_t)L->k * sizeof *L->size);
    for (int i = 0; i < L->n; i++) {
        L->size[L->grid[i]]++;
        for (int e = p->xadj[i]; e < p->xadj[i + 1]; e++) {
            int a = L->grid[i], b = L->grid[p->adj[e]];
            if (a != b)
                L->shared[a * L->k + b]++;
        }
    }
}

/* The neighbourhood of grid g: g and the neighbours sharing the longest
 * boundary with it (ties by index) while it stays small. Returns its size. */
static int neighbourhood(const lns *L, int g, int grids, int *set)
{
    int m = 0, atoms = L->size[g];
    set[m++] = g;
    while (m < grids) {
        int best = -1;
        for (int h = 0; h < L->k; h++) {
            if (L->shared[g * L->k + h] == 0 && (m < 2 || L->shared[set[1] * L->k + h] == 0))
                continue;
            bool in = false;
            for (int q = 0; q < m; q++)
                in |= set[q] == h;
            if (in || atoms + L->size[h] > LNS_MAX_ATOMS)
                continue;
            int s = L->shared[g * L->k + h] + (m >= 2 ? L->shared[set[1] * L->k + h] : 0);
            int sb = best < 0 ? -1 : L->shared[g * L->k + best] + (m >= 2 ? L->shared[set[1] * L->k + best] : 0);
            if (s > sb)
                best = h;
        }
        if (best < 0)
            break;
        set[m++] = best;
        atoms += L->size[best];
    }
    return m;
}

static unsigned long long signature(const lns *L, const int *set, int m)
{
    unsigned long long h = 1469598103934665603ULL;
    for (int q = 0; q < m; q++) {
        h = (h ^ (unsigned long long)set[q]) * 1099511628211ULL;
        h = (h ^ L->ver[set[q]]) * 1099511628211ULL;
    }
    return h | 1; /* never 0, which means "not settled" */
}

gp_status gp_model_lns(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, double time_limit,
                       double *objective, gp_lns_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    int n = p->n;
    *objective = gp_model_objective(p, grid, k);
    if (k < 2 || k > 4096 || time_limit <= 0.05)
        return GP_OK;
    double deadline = gp_now() + time_limit;
    lns L = {.p = p, .n = n, .k = k, .grid = grid};
    L.shared = malloc((size_t)k * k * sizeof *L.shared);
    L.ver = calloc((size_t)k, sizeof *L.ver);
    L.done = calloc((size_t)k, sizeof *L.done);
    L.size = malloc((size_t)k * sizeof *L.size);
    int *set = malloc(LNS_MAX_GRIDS * sizeof *set);
    int *sub_of = malloc((size_t)n * sizeof *sub_of), *atom = malloc((size_t)n * sizeof *atom);
    int *sg = malloc((size_t)LNS_MAX_ATOMS * sizeof *sg), *slock = malloc((size_t)LNS_MAX_ATOMS * sizeof *slock);
    int *lockmap = p->lock ? malloc((size_t)(p->n_locks + 1) * sizeof *lockmap) : NULL;
    const char **lnames = p->lock ? malloc((size_t)(p->n_locks + 1) * sizeof *lnames) : NULL;
    double(*sv)[GP_NATTR] = malloc((size_t)LNS_MAX_ATOMS * sizeof *sv);
    double *sx = malloc((size_t)LNS_MAX_ATOMS * sizeof *sx), *sy = malloc((size_t)LNS_MAX_ATOMS * sizeof *sy);
    int *sxadj = malloc((size_t)(LNS_MAX_ATOMS + 1) * sizeof *sxadj);
    int maxdeg = 0;
    for (int i = 0; i < n; i++)
        maxdeg = p->xadj[i + 1] - p->xadj[i] > maxdeg ? p->xadj[i + 1] - p->xadj[i] : maxdeg;
    int *sadj = malloc((size_t)LNS_MAX_ATOMS * (maxdeg ? maxdeg : 1) * sizeof *sadj);
    gp_status st = GP_OK;
    if (!L.shared || !L.ver || !L.done || !L.size || !set || !sub_of || !atom || !sg || !slock ||
        (p->lock && (!lockmap || !lnames)) || !sv || !sx || !sy || !sxadj || !sadj) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < n; i++)
        sub_of[i] = -1;
    count_shared(&L);
    double mean = gp_model_mean(p);
    int idle = 0, grids = 2; /* idle: grids in a row whose neighbourhood is settled */
    for (int r = 0; gp_now() < deadline; r++) {
        if (idle >= k) { /* every pair settled: free three grids at a time */
            if (grids == LNS_MAX_GRIDS)
                break;
            grids++;
            idle = 0;
            memset(L.done, 0, (size_t)k * sizeof *L.done);
        }
        int g = r % k, m = neighbourhood(&L, g, grids, set);
        unsigned long long sig = signature(&L, set, m);
        if (m < 2 || L.done[g] == sig) {
            idle++;
            continue;
        }
        /* the sub-problem: the atoms of the freed grids, in index order */
        int na = 0;
        for (int i = 0; i < n; i++)
            for (int q = 0; q < m; q++)
                if (grid[i] == set[q]) {
                    sub_of[i] = na;
                    atom[na] = i;
                    sg[na++] = q;
                    break;
                }
        int ne = 0, nl = 0;
        for (int s = 0; s < na; s++) {
            int i = atom[s];
            memcpy(sv[s], p->v[i], sizeof sv[s]);
            sx[s] = p->x[i], sy[s] = p->y[i];
            sxadj[s] = ne;
            for (int e = p->xadj[i]; e < p->xadj[i + 1]; e++)
                if (sub_of[p->adj[e]] >= 0)
                    sadj[ne++] = sub_of[p->adj[e]];
            slock[s] = -1;
            if (p->lock && p->lock[i] >= 0) {
                int q = 0;
                while (q < nl && lockmap[q] != p->lock[i])
                    q++;
                if (q == nl) {
                    lockmap[nl] = p->lock[i];
                    lnames[nl++] = p->lock_names ? p->lock_names[p->lock[i]] : NULL;
                }
                slock[s] = q;
            }
        }
        sxadj[na] = ne;
        gp_part_problem sub = *p;
        sub.n = na;
        sub.v = (const double(*)[GP_NATTR])sv;
        sub.x = sx, sub.y = sy, sub.xadj = sxadj, sub.adj = sadj;
        sub.k_min = sub.k_max = m;
        sub.existing = NULL;
        sub.lock = nl ? slock : NULL;
        sub.n_locks = nl;
        sub.lock_names = nl ? (const char *const *)lnames : NULL;
        sub.weight_mean = mean;
        double left = deadline - gp_now(), obj, bound;
        bool improved = false, timed_out = false;
        st = gp_model_solve(ctx, &sub, m, sg, fmin(left, LNS_SUB_SECONDS), 1e-6, &obj, &bound, &improved, &timed_out);
        for (int s = 0; s < na; s++)
            sub_of[atom[s]] = -1;
        if (st != GP_OK)
            goto out;
        stats->solved++;
        stats->timed_out += timed_out;
        if (improved) {
            for (int s = 0; s < na; s++)
                grid[atom[s]] = set[sg[s]];
            for (int q = 0; q < m; q++)
                L.ver[set[q]]++;
            count_shared(&L);
            stats->improved++;
            idle = 0;
        } else {
            idle++;
        }
        if (!improved && !timed_out)
            L.done[g] = signature(&L, set, m);
    }
    double now = gp_model_objective(p, grid, k);
    gp_log(ctx, GP_LOG_DEBUG, "lns: %d atoms, %d grids: %d neighbourhoods solved, %d improved, objective %g -> %g", n,
           k, stats->solved, stats->improved, *objective, now);
    *objective = now;
out:
    free(L.shared), free(L.ver), free(L.done), free(L.size), free(set), free(sub_of), free(atom), free(sg);
    free(slock), free(lockmap), free(lnames), free(sv), free(sx), free(sy), free(sxadj), free(sadj);
    return st;
}
