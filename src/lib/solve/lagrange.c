/* A lower bound on the partition objective for communities too large for
 * the LP of the Hess model (n^2 columns): its Lagrangian relaxation.
 *
 * Dualising "every atom in one grid" with multipliers lam[i] leaves, for
 * each candidate centre j, a problem of its own:
 *     rho_j = -lam[j] + min sum_{i!=j} (w_i d(i,j)^2 - lam[i]) x_i
 *             subject to L - v_j <= sum_{i!=j} v_i x_i <= U - v_j, 0 <= x <= 1
 * on one bounded attribute (the primary one when it is bounded): a
 * continuous knapsack, solved exactly by taking atoms in order of cost per
 * unit of weight. For any lam,
 *     sum_i lam[i] + (sum of the k smallest rho_j)
 * is at most the moment of inertia of every plan with k grids within the
 * bounds, contiguous or not: a true lower bound, never more than the LP
 * bound (dropping the other attributes and the locks only weakens it). The
 * multipliers follow subgradient steps (Polyak's rule, aimed at the plan's
 * own objective); the best value seen is the bound. A step looks, for
 * each centre, at its nearest atoms only, with a test that this gives the
 * exact answer (else at every atom): about n x 6n/k distances instead of
 * n^2. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solve/solve.h"

typedef struct item {
    double ratio, v; /* cost per unit of weight, weight */
    int i;
} item;

/* Cheapest cost of exactly `need` weight from it[0..m) taking whole items in
 * ascending ratio and a fraction of the last (weighted quickselect, expected
 * O(m)); reorders it and sets *thr to the ratio of the last item taken.
 * INFINITY when the items weigh less than need. */
static double fill(item *it, int m, double need, double *thr)
{
    double cost = 0;
    int lo = 0, hi = m;
    while (need > 0 && lo < hi) {
        double a = it[lo].ratio, b = it[lo + (hi - lo) / 2].ratio, c = it[hi - 1].ratio;
        double piv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        /* three-way partition: [lo,lt) < piv, [lt,gt) == piv, [gt,hi) > piv */
        int lt = lo, gt = hi, q = lo;
        while (q < gt) {
            if (it[q].ratio < piv) {
                item t = it[q];
                it[q++] = it[lt];
                it[lt++] = t;
            } else if (it[q].ratio > piv) {
                item t = it[q];
                it[q] = it[--gt];
                it[gt] = t;
            } else {
                q++;
            }
        }
        double wl = 0, cl = 0;
        for (int r = lo; r < lt; r++)
            wl += it[r].v, cl += it[r].ratio * it[r].v;
        if (wl >= need) {
            hi = lt;
            continue;
        }
        cost += cl;
        need -= wl;
        double we = 0;
        for (int r = lt; r < gt; r++)
            we += it[r].v;
        if (we >= need) {
            *thr = piv; /* the cost per unit of the last atom taken */
            return cost + piv * need;
        }
        cost += piv * we;
        need -= we;
        lo = gt;
    }
    return need > 1e-9 ? INFINITY : cost;
}

/* Puts the K items of least ratio first (quickselect). */
static void select_k(item *it, int m, int K)
{
    int lo = 0, hi = m - 1;
    while (lo < hi && K > 0 && K < m) {
        double piv = it[lo + (hi - lo) / 2].ratio;
        int i = lo, j = hi;
        while (i <= j) {
            while (it[i].ratio < piv)
                i++;
            while (it[j].ratio > piv)
                j--;
            if (i <= j) {
                item t = it[i];
                it[i++] = it[j];
                it[j--] = t;
            }
        }
        if (K - 1 <= j)
            hi = j;
        else if (K - 1 >= i)
            lo = i;
        else
            break;
    }
}

static int cmp_item(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->ratio != y->ratio)
        return x->ratio < y->ratio ? -1 : 1;
    return x->i - y->i;
}

typedef struct lag {
    const gp_part_problem *p;
    int n, attr;            /* the knapsack attribute, -1: none bounded */
    double mean, *w;        /* weights of the moment of inertia */
    double *lam;
    int K, *knn;            /* each atom's K nearest others */
    double *dk2;            /* squared distance (km^2) to its K-th nearest */
    double cap, capc, amin; /* lam[i]/w_i <= cap and lam[i]/v_i <= capc, or
                               i is an outlier; amin: least w_i/v_i */
    int n_out, *out;        /* the outliers */
    bool *is_out;
    item *it, *neg;
    double looked;          /* atoms looked at by centre_value: the work done */
} lag;

/* rho_j for the current multipliers. With x (n entries, zeroed by the
 * caller) it also writes the subproblem's solution, the share of each atom
 * j takes.
 *
 * It first looks only at j's K nearest atoms and the outliers (atoms whose
 * multiplier reaches further than cap, in km^2): every other atom i is at
 * least dK^2 away and has lam[i]/v_i <= cap (so lam[i]/w_i <= cap too, as
 * w_i >= amin v_i), hence a cost of at least w_i dK^2 - lam[i] > 0 when
 * cap < dK^2, and a cost per unit of weight of at least amin dK^2 - capc.
 * So the answer from the candidates is exact when cap < dK^2 and, if atoms
 * of positive cost were needed, the last one taken costs at most
 * amin dK^2 - capc per unit. Otherwise every atom is looked at. */
static double centre_value(lag *L, int j, double *x)
{
    const gp_part_problem *p = L->p;
    double lo = -INFINITY, hi = INFINITY;
    if (L->attr >= 0) {
        lo = p->lo[L->attr] - p->v[j][L->attr];
        hi = p->hi[L->attr] - p->v[j][L->attr];
        if (hi < -1e-9)
            return INFINITY; /* j alone is over the bound */
        if (hi < 0)
            hi = 0;
    }
    double dk2 = L->dk2[j];
    for (int pass = L->cap < dk2 ? 0 : 1; pass < 2; pass++) {
        const int *cand = pass == 0 ? &L->knn[(size_t)j * L->K] : NULL;
        int ncand = pass == 0 ? L->K + L->n_out : L->n;
        L->looked += ncand;
        double free_cost = 0, wneg = 0, cneg = 0;
        int m = 0, nn = 0;
        for (int q = 0; q < ncand; q++) {
            int i = pass == 1 ? q : q < L->K ? cand[q] : L->out[q - L->K];
            if (i == j || (pass == 0 && q < L->K && L->is_out[i]))
                continue; /* an outlier comes from the outlier list */
            double c = L->w[i] * gp_model_d2(p, i, j) - L->lam[i];
            double v = L->attr >= 0 ? p->v[i][L->attr] : 0;
            if (v <= 0) {
                if (c < 0) {
                    free_cost += c;
                    if (x)
                        x[i] = 1;
                }
                continue;
            }
            item t = {c / v, v, i};
            if (c < 0) {
                wneg += v, cneg += c;
                L->neg[nn++] = t;
            }
            L->it[m++] = t;
        }
        double cost, thr = -INFINITY;
        item *set;
        int ns;
        double need;
        if (wneg >= lo && wneg <= hi) {
            if (x)
                for (int q = 0; q < nn; q++)
                    x[L->neg[q].i] = 1;
            return -L->lam[j] + free_cost + cneg;
        } else if (wneg > hi) {
            set = L->neg, ns = nn, need = hi;
        } else {
            set = L->it, ns = m, need = lo;
        }
        if (!x) {
            cost = fill(set, ns, need, &thr);
        } else {
            /* the same choice, spelled out: sort and take */
            qsort(set, (size_t)ns, sizeof *set, cmp_item);
            cost = 0;
            for (int q = 0; q < ns && need > 0; q++) {
                double take = fmin(1, need / set[q].v);
                x[set[q].i] = take;
                cost += take * set[q].ratio * set[q].v;
                need -= take * set[q].v;
                thr = set[q].ratio;
            }
            if (need > 1e-9)
                cost = INFINITY;
        }
        if (pass == 0 && set == L->it && !(isfinite(cost) && thr <= L->amin * dk2 - L->capc)) {
            if (x) /* atoms further away may be cheaper: look at all */
                memset(x, 0, (size_t)L->n * sizeof *x);
            continue;
        }
        return -L->lam[j] + free_cost + cost;
    }
    return INFINITY; /* not reached */
}

typedef struct ranked {
    double rho;
    int j;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->rho != y->rho)
        return x->rho < y->rho ? -1 : 1;
    return x->j - y->j;
}


/* Its candidates per centre (the K nearest) as gp_model_lagrange sets K. */
static int nearest_count(int n, int k)
{
    int K = n - 1 < 50 ? n - 1 : 50;
    if (6 * n / k > K)
        K = 6 * n / k < n - 1 ? 6 * n / k : n - 1;
    if ((size_t)n * K > 4000000)
        K = 4000000 / n;
    return K;
}

double gp_model_lagrange_cost(const gp_part_problem *p, int k)
{
    /* the nearest atoms, and about 800 steps (what SF's neighbourhoods take) */
    int n = p->n;
    return GP_WORK_CANDIDATE * n * (n + 800.0 * (nearest_count(n, k > 0 ? k : 1) + k));
}

gp_status gp_model_lagrange(const gp_part_problem *p, int k, const int *grid, double ub, gp_work *w, double gap_tol,
                            double *bound, int *iterations)
{
    *bound = NAN;
    if (iterations)
        *iterations = 0;
    int n = p->n;
    if (k < 1 || k > n || n < 1)
        return GP_OK;
    lag L = {0};
    L.p = p;
    L.n = n;
    L.attr = -1;
    if (isfinite(p->lo[p->primary]) || isfinite(p->hi[p->primary]))
        L.attr = p->primary;
    for (int a = 0; a < GP_NATTR && L.attr < 0; a++)
        if (isfinite(p->lo[a]) || isfinite(p->hi[a]))
            L.attr = a;
    L.mean = gp_model_mean(p);
    L.w = malloc((size_t)n * sizeof *L.w);
    L.lam = malloc((size_t)n * sizeof *L.lam);
    L.K = nearest_count(n, k);
    L.knn = malloc(((size_t)n * L.K + 1) * sizeof *L.knn);
    L.dk2 = malloc((size_t)n * sizeof *L.dk2);
    L.out = malloc((size_t)n * sizeof *L.out);
    L.is_out = calloc((size_t)n, sizeof *L.is_out);
    L.it = malloc((size_t)n * sizeof *L.it);
    L.neg = malloc((size_t)n * sizeof *L.neg);
    ranked *rk = malloc((size_t)n * sizeof *rk);
    double *g = malloc((size_t)n * sizeof *g), *x = calloc((size_t)n, sizeof *x);
    int *cent = malloc((size_t)k * sizeof *cent);
    gp_status st = GP_OK;
    if (!L.w || !L.lam || !L.knn || !L.dk2 || !L.out || !L.is_out || !L.it || !L.neg || !rk || !g || !x || !cent) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    if (L.attr >= 0) { /* k grids within the bound cannot hold this total */
        double t = 0;
        for (int i = 0; i < n; i++)
            t += p->v[i][L.attr];
        if (k * p->lo[L.attr] > t * (1 + 1e-12) || k * p->hi[L.attr] < t * (1 - 1e-12)) {
            *bound = INFINITY;
            goto out;
        }
    }
    double amin = INFINITY; /* least w_i / v_i */
    for (int i = 0; i < n; i++) {
        L.w[i] = gp_model_weight(p, i, L.mean);
        double v = L.attr >= 0 ? p->v[i][L.attr] : 0;
        if (v > 0)
            amin = fmin(amin, L.w[i] / v);
    }
    /* each atom's K nearest others, and how far the K-th is */
    for (int j = 0; j < n; j++) {
        int m = 0;
        for (int i = 0; i < n; i++)
            if (i != j)
                L.it[m++] = (item){gp_model_d2(p, i, j), 1, i};
        select_k(L.it, m, L.K);
        double far = 0;
        for (int q = 0; q < L.K; q++) {
            L.knn[(size_t)j * L.K + q] = L.it[q].i;
            far = fmax(far, L.it[q].ratio);
        }
        L.dk2[j] = L.K == n - 1 ? INFINITY : far; /* all atoms are candidates */
    }
    for (int j = 0; j < n; j++)
        rk[j].rho = L.dk2[j], rk[j].j = j;
    qsort(rk, (size_t)n, sizeof *rk, cmp_ranked);
    double reach = 0.5 * rk[n / 10].rho; /* half the 10th percentile of dK^2 */
    /* start: each atom's cost in the given plan, about its grid's best centre */
    for (int i = 0; i < n; i++)
        L.lam[i] = 0;
    if (grid) {
        if (isnan(gp_model_centres(p, grid, k, cent))) {
            st = GP_ERR_NOMEM;
            goto out;
        }
        for (int i = 0; i < n; i++)
            if (grid[i] >= 0 && grid[i] < k && cent[grid[i]] >= 0)
                L.lam[i] = L.w[i] * gp_model_d2(p, i, cent[grid[i]]);
    }
    double best = -INFINITY, best100 = -INFINITY, theta = 2.0;
    int stall = 0, it = 0;
    gp_work_spend(w, GP_WORK_CANDIDATE * n * n); /* the nearest atoms of every atom */
    for (; it < 5000 && theta > 1e-4 && gp_work_left(w) > 0; it++) {
        double val = 0;
        for (int i = 0; i < n; i++)
            val += L.lam[i];
        /* outliers: atoms whose multiplier reaches beyond half the 10th
         * percentile of dK^2 (in cost, or in cost per unit of weight) */
        L.n_out = 0;
        L.cap = isfinite(reach) ? reach : INFINITY;
        L.capc = isfinite(reach) && isfinite(amin) ? amin * reach : INFINITY;
        L.amin = isfinite(amin) ? amin : 1;
        for (int i = 0; i < n; i++) {
            double v = L.attr >= 0 ? p->v[i][L.attr] : 0;
            L.is_out[i] = L.lam[i] > 0 && (L.lam[i] / L.w[i] > L.cap || (v > 0 && L.lam[i] / v > L.capc));
            if (L.is_out[i])
                L.out[L.n_out++] = i;
        }
        for (int j = 0; j < n; j++) {
            rk[j].rho = centre_value(&L, j, NULL);
            rk[j].j = j;
        }
        qsort(rk, (size_t)n, sizeof *rk, cmp_ranked);
        if (!isfinite(rk[k - 1].rho)) {
            best = INFINITY; /* fewer than k centres can hold a grid */
            break;
        }
        for (int c = 0; c < k; c++)
            val += rk[c].rho;
        if (best == -INFINITY || val > best + 1e-12 * fabs(best))
            best = val, stall = 0;
        else if (++stall >= 20)
            theta /= 2, stall = 0;
        if (isfinite(ub) && ub > 0 && (ub - best) <= gap_tol * ub)
            break;
        if (it % 100 == 99) { /* settled: less than 0.01 % gained in 100 steps */
            if (best - best100 < 1e-4 * fabs(best))
                break;
            best100 = best;
        }
        /* subgradient: 1 - (how much of each atom the chosen centres take) */
        for (int i = 0; i < n; i++)
            g[i] = 1;
        for (int c = 0; c < k; c++) {
            int j = rk[c].j;
            memset(x, 0, (size_t)n * sizeof *x);
            centre_value(&L, j, x);
            x[j] = 1;
            for (int i = 0; i < n; i++)
                g[i] -= x[i];
        }
        /* the atoms every centre looked at (all of them when its nearest
         * ones were not enough), and k subgradient terms over every atom */
        gp_work_spend(w, GP_WORK_CANDIDATE * (L.looked + (double)k * n));
        L.looked = 0;
        double norm = 0;
        for (int i = 0; i < n; i++)
            norm += g[i] * g[i];
        if (norm < 1e-18)
            break; /* the relaxation's optimum is a plan: nothing above it */
        double target = isfinite(ub) && ub > best ? ub : fabs(best) * 1.05 + 1e-9;
        double step = theta * (target - val) / norm;
        for (int i = 0; i < n; i++)
            L.lam[i] += step * g[i];
    }
    gp_work_spend(w, GP_WORK_CANDIDATE * L.looked); /* the last step's, when it stopped the loop */
    *bound = best == -INFINITY ? NAN : best;
    if (iterations)
        *iterations = it;
out:
    free(L.w), free(L.lam), free(L.knn), free(L.dk2), free(L.out), free(L.is_out), free(L.it), free(L.neg);
    free(rk), free(g), free(x), free(cent);
    return st;
}
