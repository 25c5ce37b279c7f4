/* Large-neighbourhood search for communities too large for one model.
 *
 * Branch and cut on the whole Hess model (n^2 columns) is out of reach
 * beyond a few hundred atoms, but the objective is a sum over grids: free a
 * few adjacent grids, solve the model on their atoms alone (same bounds,
 * contiguity cuts, the current plan as the start), and the whole plan is
 * better by exactly what that small model gains. Each grid in turn frees
 * itself and the neighbours it shares the longest boundary with, up to
 * LNS_MAX_GRIDS grids and LNS_MAX_ATOMS atoms. A sub-model gets
 * LNS_SUB_WORK units, or a few times its LP's cost when that is more and
 * the search can afford it; otherwise the neighbourhood is left. A
 * neighbourhood solved to its optimum is not solved again, whichever grid
 * frees it, until one of its grids changes; the
 * search ends when every neighbourhood is settled or its budget runs out.
 * A sub-model that runs out of its budget counts as settled too (its
 * neighbourhood is tried again when one of its grids changes). Each
 * accepted plan is contiguous (the sub-model's cuts, checked again) and
 * within bounds, so the plan only ever improves. Each sub-model has a
 * budget of its own, so the search is deterministic. Pairs of grids come first
 * (their models solve in a fraction of a second); once every pair is
 * settled, three grids at a time. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solve/solve.h"

#define LNS_MAX_GRIDS 5
#define LNS_MAX_ATOMS 90
/* What one sub-model may spend at most: its branch and cut proves most
 * neighbourhoods of 2-3 grids well within it. */
#define LNS_SUB_WORK 3e5
/* A neighbourhood whose LP costs more gets LNS_BIG_LP times that LP, if
 * that is at most LNS_BIG_SHARE of what the search has left. */
#define LNS_BIG_LP 3.0
#define LNS_BIG_SHARE 0.25

typedef struct lns {
    const gp_part_problem *p;
    int n, k;
    int *grid;
    int *shared;             /* k x k: adjacency edges between two grids */
    unsigned *ver;           /* per grid: bumped when it changes */
    unsigned long long *settled; /* signatures of the settled neighbourhoods */
    size_t cap, count;
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
        int best = -1, sb = 0;
        for (int h = 0; h < L->k; h++) {
            bool in = false;
            int s = 0;
            for (int q = 0; q < m; q++) {
                in |= set[q] == h;
                s += L->shared[set[q] * L->k + h];
            }
            if (!in && s > sb && atoms + L->size[h] <= LNS_MAX_ATOMS)
                best = h, sb = s;
        }
        if (best < 0)
            break;
        set[m++] = best;
        atoms += L->size[best];
    }
    return m;
}

/* A neighbourhood's signature: its grids, whatever their order, and their
 * versions. */
static unsigned long long signature(const lns *L, const int *set, int m)
{
    int sorted[LNS_MAX_GRIDS];
    memcpy(sorted, set, (size_t)m * sizeof *set);
    for (int a = 1; a < m; a++)
        for (int b = a; b > 0 && sorted[b - 1] > sorted[b]; b--) {
            int t = sorted[b];
            sorted[b] = sorted[b - 1], sorted[b - 1] = t;
        }
    unsigned long long h = 1469598103934665603ULL;
    for (int q = 0; q < m; q++) {
        h = (h ^ (unsigned long long)sorted[q]) * 1099511628211ULL;
        h = (h ^ L->ver[sorted[q]]) * 1099511628211ULL;
    }
    return h | 1; /* never 0, which marks an empty slot */
}

/* The settled neighbourhoods: an open-addressing set of signatures, so
 * that the same grids freed from another grid's turn are not solved again
 * until one of them changes. */
static bool settled_has(const lns *L, unsigned long long sig)
{
    for (size_t q = sig & (L->cap - 1); L->settled[q]; q = (q + 1) & (L->cap - 1))
        if (L->settled[q] == sig)
            return true;
    return false;
}

static bool settled_add(lns *L, unsigned long long sig)
{
    if (2 * (L->count + 1) > L->cap) {
        size_t cap = L->cap ? 2 * L->cap : 256;
        unsigned long long *t = calloc(cap, sizeof *t), *old = L->settled;
        if (!t)
            return false;
        size_t oc = L->cap;
        L->settled = t, L->cap = cap, L->count = 0;
        for (size_t q = 0; q < oc; q++)
            if (old[q])
                settled_add(L, old[q]);
        free(old);
    }
    size_t q = sig & (L->cap - 1);
    while (L->settled[q] && L->settled[q] != sig)
        q = (q + 1) & (L->cap - 1);
    L->count += !L->settled[q];
    L->settled[q] = sig;
    return true;
}

gp_status gp_model_lns(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, gp_work *w, double *objective,
                       gp_lns_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    int n = p->n;
    *objective = gp_model_objective(p, grid, k);
    if (k < 2 || k > 4096 || gp_work_left(w) <= 0)
        return GP_OK;
    lns L = {.p = p, .n = n, .k = k, .grid = grid};
    L.shared = malloc((size_t)k * k * sizeof *L.shared);
    L.ver = calloc((size_t)k, sizeof *L.ver);
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
    if (!L.shared || !L.ver || !(L.settled = calloc((L.cap = 256), sizeof *L.settled)) || !L.size || !set || !sub_of || !atom || !sg || !slock ||
        (p->lock && (!lockmap || !lnames)) || !sv || !sx || !sy || !sxadj || !sadj) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < n; i++)
        sub_of[i] = -1;
    count_shared(&L);
    double mean = gp_model_mean(p);
    int idle = 0, grids = 2; /* idle: grids in a row whose neighbourhood is settled */
    for (int r = 0; gp_work_left(w) > 0; r++) {
        if (idle >= k) { /* every pair settled: free three grids at a time */
            if (grids == LNS_MAX_GRIDS) {
                stats->settled = true;
                break;
            }
            grids++;
            idle = 0;
        }
        int g = r % k, m = neighbourhood(&L, g, grids, set);
        unsigned long long sig = signature(&L, set, m);
        if (m < 2 || settled_has(&L, sig)) {
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
        sub.names = NULL; /* its atoms are numbered anew */
        /* a sub-model's budget: the usual, or for a neighbourhood whose LP
         * alone would take more, a few times that LP when it is a small
         * part of what is left (a larger effort reaches larger ones) */
        double lp = gp_model_lp_cost(&sub), sub_work = LNS_SUB_WORK;
        if (lp > LNS_SUB_WORK)
            sub_work = LNS_BIG_SHARE * gp_work_left(w) >= LNS_BIG_LP * lp ? LNS_BIG_LP * lp : 0;
        if (sub_work <= 0) {
            /* the search would stop with nothing: leave it */
            gp_work_spend(w, GP_WORK_ATOM * n);
            for (int s = 0; s < na; s++)
                sub_of[atom[s]] = -1;
            if (!settled_add(&L, sig)) {
                st = GP_ERR_NOMEM;
                goto out;
            }
            idle++;
            continue;
        }
        sub.v = (const double(*)[GP_NATTR])sv;
        sub.x = sx, sub.y = sy, sub.xadj = sxadj, sub.adj = sadj;
        sub.k_min = sub.k_max = m;
        sub.existing = NULL;
        sub.lock = nl ? slock : NULL;
        sub.n_locks = nl;
        sub.lock_names = nl ? (const char *const *)lnames : NULL;
        sub.weight_mean = mean;
        double obj, bound;
        bool improved = false, stopped = false;
        gp_work part = gp_work_part(w, sub_work);
        gp_work_spend(&part, GP_WORK_ATOM * n); /* finding the neighbourhood and its atoms */
        st = gp_model_solve(ctx, &sub, m, sg, &part, 1e-6, &obj, &bound, &improved, &stopped);
        gp_work_join(w, &part);
        for (int s = 0; s < na; s++)
            sub_of[atom[s]] = -1;
        if (st != GP_OK)
            goto out;
        stats->solved++;
        stats->stopped += stopped;
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
        /* proven, or as far as its budget goes: not again until a grid changes */
        if (!improved && !settled_add(&L, sig)) {
            st = GP_ERR_NOMEM;
            goto out;
        }
    }
    double now = gp_model_objective(p, grid, k);
    gp_log(ctx, GP_LOG_DEBUG, "lns: %d atoms, %d grids: %d neighbourhoods solved, %d improved, objective %g -> %g", n,
           k, stats->solved, stats->improved, *objective, now);
    *objective = now;
out:
    free(L.shared), free(L.ver), free(L.settled), free(L.size), free(set), free(sub_of), free(atom), free(sg);
    free(slock), free(lockmap), free(lnames), free(sv), free(sx), free(sy), free(sxadj), free(sadj);
    return st;
}
