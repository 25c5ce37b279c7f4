/* Rebalancing: start from the plan in force and move only what the bounds
 * and the objective (stability included) call for; when the bounds ask
 * for more or fewer grids than the plan in force has, split the heaviest
 * grid or merge the lightest into a neighbour first. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solve/local.h"

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
static bool rebalance_at(const gp_part_problem *p, const int *lab0, int k0, int kt, gp_work *w,
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
    gp_ls s;
    if (ok && gp_ls_init(&s, p, k)) {
        double hh = 0;
        for (int i = 0; i < n; i++) {
            gp_ls_assign(&s, i, lab[i]);
            hh += p->v[i][GP_A_HH];
        }
        s.home = lab;
        s.hh_floor = hh > 0 ? hh / n : 1.0;
        s.stab = p->w_stability / (hh + s.hh_floor * n);
        double i0 = 0;
        for (int g = 0; g < k; g++)
            i0 += gp_ls_inertia(s.sw[g], s.sx[g], s.sy[g], s.sxx[g]);
        i0 = i0 > 0 ? i0 : 1.0;
        gp_ls_search(&s, w, i0);
        ok = gp_ls_violation(&s) <= 0;
        if (ok) {
            memcpy(res->grid, s.g, (size_t)n * sizeof *s.g);
            res->k = k;
            res->violation = 0;
            res->feasible = true;
            res->rebalanced = true;
        }
        gp_ls_free(&s);
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
bool gp_rebalance(const gp_part_problem *p, int kmin, int kmax, gp_work *w, gp_part_result *res)
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
    for (int t = 0; ok && !done && t < 3 && gp_work_left(w) > 0; t++)
        if (tries[t] >= kmin && tries[t] <= kmax && tries[t] <= n)
            done = rebalance_at(p, lab, k, tries[t], w, res);
    free(lab);
    free(map);
    return done;
}

