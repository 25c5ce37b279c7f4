/* The heuristic's working state (each grid's sums and moment of inertia,
 * updated as atoms move) and its local search: moves of boundary atoms to
 * a neighbouring grid that keep the donor connected, first to lower the
 * total bound violation, then to lower the objective (workload balance +
 * compactness, and households moved when rebalancing). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solve/local.h"

double gp_ls_total(const gp_part_problem *p, int a)
{
    double t = 0;
    for (int i = 0; i < p->n; i++)
        t += p->v[i][a];
    return t;
}


bool gp_part_connected(const gp_part_problem *p, const int *grid, int g)
{
    gp_csr graph = gp_part_graph(p);
    return gp_csr_connected(&graph, grid, g);
}

bool gp_part_check(const gp_part_problem *p, const int *grid, int k)
{
    for (int g = 0; g < k; g++)
        if (!gp_part_connected(p, grid, g))
            return false;
    double (*sum)[GP_NATTR] = calloc((size_t)(k ? k : 1), sizeof *sum);
    if (!sum)
        return false;
    for (int i = 0; i < p->n; i++)
        for (int a = 0; a < GP_NATTR; a++)
            sum[grid[i]][a] += p->v[i][a];
    bool ok = true;
    for (int g = 0; g < k && ok; g++)
        for (int a = 0; a < GP_NATTR; a++)
            ok &= sum[g][a] >= p->lo[a] - 1e-9 && sum[g][a] <= p->hi[a] + 1e-9;
    free(sum);
    return ok;
}

void gp_ls_free(gp_ls *s)
{
    free(s->g);
    free(s->sum);
    free(s->size);
    free(s->sw);
    free(s->sx);
    free(s->sy);
    free(s->sxx);
    free(s->w);
    gp_bfs_free(&s->bfs);
}

bool gp_ls_init(gp_ls *s, const gp_part_problem *p, int k)
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
    if (!gp_bfs_init(&s->bfs, n) || !s->g || !s->sum || !s->size || !s->sw || !s->sx || !s->sy || !s->sxx || !s->w) {
        gp_ls_free(s);
        return false;
    }
    double tw = gp_ls_total(p, p->primary);
    for (int i = 0; i < n; i++)
        s->w[i] = p->v[i][p->primary] + 0.01 * (tw > 0 ? tw / n : 1.0);
    for (int a = 0; a < GP_NATTR; a++) {
        double sc = isfinite(p->hi[a]) ? p->hi[a] : p->lo[a];
        s->scale[a] = sc > 0 ? sc : 1.0;
    }
    s->mean_work = gp_ls_total(p, GP_A_WORK) / k;
    return true;
}

static void st_add(gp_ls *s, int i, int g, double sign)
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

void gp_ls_assign(gp_ls *s, int i, int g)
{
    s->g[i] = g;
    st_add(s, i, g, 1);
}

static void st_move(gp_ls *s, int i, int to)
{
    st_add(s, i, s->g[i], -1);
    s->g[i] = to;
    st_add(s, i, to, 1);
}

/* Bound violation of one grid given its sums. */
static double viol_of(const gp_ls *s, const double *sum)
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

double gp_ls_violation(const gp_ls *s)
{
    double v = 0;
    for (int g = 0; g < s->k; g++)
        v += viol_of(s, s->sum[g]);
    return v;
}

double gp_ls_inertia(double sw, double sx, double sy, double sxx)
{
    return sw > 0 ? sxx - (sx * sx + sy * sy) / sw : 0;
}

static double balance_of(const gp_ls *s, double work)
{
    double d = s->mean_work > 0 ? (work - s->mean_work) / s->mean_work : 0;
    return d * d;
}

/* Objective: balance of workload + compactness (inertia relative to i0). */
static double grid_obj(const gp_ls *s, int g, double i0)
{
    const gp_part_problem *p = s->p;
    return p->w_balance * balance_of(s, s->sum[g][GP_A_WORK]) +
           p->w_compact * gp_ls_inertia(s->sw[g], s->sx[g], s->sy[g], s->sxx[g]) / i0;
}

/* True when grid g stays connected without atom skip. */
static bool connected_without(gp_ls *s, int g, int skip)
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
    gp_csr graph = gp_part_graph(p);
    return gp_csr_reach(&graph, s->g, g, start, skip, &s->bfs) == need;
}

/* Squared distance of a grid's bounded attributes from the middle of their
 * ranges (scaled): lower is further from every bound. */
static double spread_of(const gp_ls *s, const double *sum)
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
static double moved_delta(const gp_ls *s, int i, int from, int to)
{
    if (!s->home)
        return 0;
    return (s->p->v[i][GP_A_HH] + s->hh_floor) * ((s->home[i] != to) - (s->home[i] != from));
}

/* One pass over boundary atoms. mode 0: lower the violation; mode 2: keep
 * it and spread load evenly; mode 1: keep it and lower the objective.
 * Returns moves made. */
static int improve_pass(gp_ls *s, int mode, double i0)
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
                double ifrom = gp_ls_inertia(s->sw[from] - w, s->sx[from] - w * x, s->sy[from] - w * y,
                                          s->sxx[from] - w * (x * x + y * y));
                double ito = gp_ls_inertia(s->sw[to] + w, s->sx[to] + w * x, s->sy[to] + w * y,
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

double gp_ls_objective(const gp_ls *s, double i0)
{
    double f = 0;
    for (int g = 0; g < s->k; g++)
        f += grid_obj(s, g, i0);
    return f;
}

/* Repair (lower the violation; when stuck, spread the load, which opens
 * new improving moves, and try again), then improve the objective without
 * raising the violation. */
void gp_ls_search(gp_ls *s, gp_work *w, double i0)
{
    double pass = 2 * GP_WORK_ATOM * s->p->n; /* a pass looks at every atom and its neighbours */
    for (int round = 0; round < 50 && gp_ls_violation(s) > 0 && gp_work_left(w) > 0; round++) {
        for (int it = 0; it < 500 && gp_ls_violation(s) > 0 && gp_work_left(w) > 0; it++)
            if (gp_work_spend(w, pass), improve_pass(s, 0, i0) == 0)
                break;
        if (gp_ls_violation(s) <= 0)
            break;
        int moved = 0;
        for (int it = 0; it < 20 && gp_work_left(w) > 0; it++) {
            gp_work_spend(w, pass);
            int m = improve_pass(s, 2, i0);
            moved += m;
            if (m == 0)
                break;
        }
        if (moved == 0)
            break;
    }
    for (int it = 0; it < 200 && gp_work_left(w) > 0; it++)
        if (gp_work_spend(w, pass), improve_pass(s, 1, i0) == 0)
            break;
}

