/* The partition model (Hess et al. 1965) in GLPK, and what it proves about
 * a plan.
 *
 * x[i][j] = 1 when atom i belongs to the grid centred on atom j, x[j][j]
 * marks a centre:
 *     sum_j x[i][j] = 1                         every atom in one grid
 *     sum_j x[j][j] = k                         k grids
 *     x[i][j] <= x[j][j]                        only open centres take atoms
 *     L_a x[j][j] <= sum_i v[i][a] x[i][j] <= U_a x[j][j]   bounds, each attribute
 *     minimise sum_ij w_i d(i,j)^2 x[i][j]      moment of inertia (compactness)
 * Its LP relaxation, without contiguity, is a lower bound on the moment of
 * inertia of every plan within the bounds with k grids, so a plan's gap
 * against it is a true gap: weak where contiguity binds, never a lie. The
 * plan's own objective is the same function: each grid's moment about its
 * best centre atom. The model has n^2 columns and rows: it is built for
 * communities of up to BOUND_MAX_ATOMS atoms; beyond, the gap is unknown. */
#include <float.h>
#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* No bound is attempted beyond this many atoms (n^2 columns and rows). */
#define BOUND_MAX_ATOMS GP_MODEL_BOUND_ATOMS
/* Branch and cut is attempted up to this many atoms. */
#define SOLVE_MAX_ATOMS GP_MODEL_BOUND_ATOMS
/* Integrality tolerance shared by GLPK and the contiguity check. */
#define INT_TOL 1e-7

double gp_model_weight(const gp_part_problem *p, int i, double mean)
{
    return p->v[i][p->primary] + 0.01 * mean;
}

double gp_model_mean(const gp_part_problem *p)
{
    if (p->weight_mean > 0)
        return p->weight_mean;
    double t = 0;
    for (int i = 0; i < p->n; i++)
        t += p->v[i][p->primary];
    return p->n ? t / p->n : 1.0;
}

double gp_model_centres(const gp_part_problem *p, const int *grid, int k, int *centre)
{
    double mean = gp_model_mean(p), total = 0;
    int *members = malloc((size_t)p->n * sizeof *members), *start = calloc((size_t)k + 1, sizeof *start);
    int *pos = malloc((size_t)(k ? k : 1) * sizeof *pos);
    if (!members || !start || !pos) {
        free(members), free(start), free(pos);
        return NAN;
    }
    for (int i = 0; i < p->n; i++)
        start[grid[i] + 1]++;
    for (int g = 0; g < k; g++)
        start[g + 1] += start[g];
    memcpy(pos, start, (size_t)k * sizeof *pos);
    for (int i = 0; i < p->n; i++)
        members[pos[grid[i]]++] = i;
    for (int g = 0; g < k; g++) {
        double best = DBL_MAX;
        if (centre)
            centre[g] = -1;
        for (int a = start[g]; a < start[g + 1]; a++) {
            double m = 0;
            for (int b = start[g]; b < start[g + 1] && m < best; b++)
                m += gp_model_weight(p, members[b], mean) * gp_model_d2(p, members[b], members[a]);
            if (m < best) {
                best = m;
                if (centre)
                    centre[g] = members[a];
            }
        }
        if (start[g + 1] > start[g])
            total += best;
    }
    free(members), free(start), free(pos);
    return total;
}

double gp_model_objective(const gp_part_problem *p, const int *grid, int k)
{
    return gp_model_centres(p, grid, k, NULL);
}

/* Builds the Hess model for p with k grids into lp (columns x[i][j] at
 * i * n + j + 1). Returns false when out of memory. */
/* The arrays build() fills, on the heap and owned by the caller, so that a
 * GLPK error (a longjmp out of build) does not lose them. */
typedef struct build_buf { int *rep, *ia, *ja; double *ar; } build_buf;

static void build_buf_free(build_buf *b)
{
    if (!b)
        return;
    free(b->rep), free(b->ia), free(b->ja), free(b->ar);
    free(b);
}

static bool build(const gp_part_problem *p, int k, glp_prob *lp, bool integer, build_buf *bb)
{
    int n = p->n;
    double mean = gp_model_mean(p);
    int nb = 0, battr[GP_NATTR];
    for (int a = 0; a < GP_NATTR; a++)
        if (isfinite(p->lo[a]) || isfinite(p->hi[a]))
            battr[nb++] = a;
    glp_set_obj_dir(lp, GLP_MIN);
    glp_add_cols(lp, n * n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int c = i * n + j + 1;
            glp_set_col_bnds(lp, c, GLP_DB, 0, 1);
            glp_set_obj_coef(lp, c, gp_model_weight(p, i, mean) * gp_model_d2(p, i, j));
            if (integer)
                glp_set_col_kind(lp, c, GLP_BV);
        }
    /* locks: the atoms of a group share a centre (tied to the group's
     * first atom), and a centre takes at most one group's first atom */
    int nl = p->lock ? p->n_locks : 0, nlocked = 0;
    int *rep = bb->rep = nl ? malloc((size_t)nl * sizeof *rep) : NULL;
    if (nl && !rep)
        return false;
    for (int g = 0; g < nl; g++)
        rep[g] = -1;
    for (int i = 0; i < n && nl; i++)
        if (p->lock[i] >= 0) {
            if (rep[p->lock[i]] < 0)
                rep[p->lock[i]] = i;
            else
                nlocked++;
        }
    /* rows: assignment n, count 1, linking n(n-1), bounds 2 per (centre,
     * bounded attribute), lock ties n per tied atom, lock groups apart n */
    int rows = n + 1 + n * (n - 1) + 2 * nb * n + n * nlocked + (nl > 1 ? n : 0);
    size_t nz = (size_t)n * n + n + 2 * (size_t)n * (n - 1) + 2 * (size_t)nb * n * (n + 1) +
                2 * (size_t)n * nlocked + (nl > 1 ? (size_t)n * nl : 0);
    int *ia = bb->ia = malloc((nz + 1) * sizeof *ia), *ja = bb->ja = malloc((nz + 1) * sizeof *ja);
    double *ar = bb->ar = malloc((nz + 1) * sizeof *ar);
    if (!ia || !ja || !ar)
        return false;
    glp_add_rows(lp, rows);
    size_t e = 0;
    int r = 0;
    for (int i = 0; i < n; i++) {
        glp_set_row_bnds(lp, ++r, GLP_FX, 1, 1);
        for (int j = 0; j < n; j++)
            ++e, ia[e] = r, ja[e] = i * n + j + 1, ar[e] = 1;
    }
    glp_set_row_bnds(lp, ++r, GLP_FX, k, k);
    for (int j = 0; j < n; j++)
        ++e, ia[e] = r, ja[e] = j * n + j + 1, ar[e] = 1;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            if (i == j)
                continue;
            glp_set_row_bnds(lp, ++r, GLP_UP, 0, 0);
            ++e, ia[e] = r, ja[e] = i * n + j + 1, ar[e] = 1;
            ++e, ia[e] = r, ja[e] = j * n + j + 1, ar[e] = -1;
        }
    for (int b = 0; b < nb; b++) {
        int a = battr[b];
        for (int j = 0; j < n; j++)
            for (int side = 0; side < 2; side++) {
                /* sum_i v x_ij - U x_jj <= 0 ;  sum_i v x_ij - L x_jj >= 0 */
                bool upper = side == 0;
                double lim = upper ? p->hi[a] : p->lo[a];
                ++r;
                if (!isfinite(lim)) {
                    glp_set_row_bnds(lp, r, GLP_FR, 0, 0);
                    continue;
                }
                glp_set_row_bnds(lp, r, upper ? GLP_UP : GLP_LO, 0, 0);
                for (int i = 0; i < n; i++) {
                    double coef = p->v[i][a] - (i == j ? lim : 0);
                    if (coef != 0)
                        ++e, ia[e] = r, ja[e] = i * n + j + 1, ar[e] = coef;
                }
            }
    }
    for (int i = 0; i < n && nl; i++) {
        int g = p->lock[i];
        if (g < 0 || rep[g] == i)
            continue;
        for (int j = 0; j < n; j++) { /* x[i][j] = x[rep][j] */
            glp_set_row_bnds(lp, ++r, GLP_FX, 0, 0);
            ++e, ia[e] = r, ja[e] = i * n + j + 1, ar[e] = 1;
            ++e, ia[e] = r, ja[e] = rep[g] * n + j + 1, ar[e] = -1;
        }
    }
    for (int j = 0; nl > 1 && j < n; j++) { /* sum_g x[rep g][j] <= 1: one group per centre */
        glp_set_row_bnds(lp, ++r, GLP_UP, 0, 1);
        for (int g = 0; g < nl; g++)
            ++e, ia[e] = r, ja[e] = rep[g] * n + j + 1, ar[e] = 1;
    }
    glp_load_matrix(lp, (int)e, ia, ja, ar);
    free(ia), free(ja), free(ar), free(rep);
    bb->ia = bb->ja = bb->rep = NULL;
    bb->ar = NULL;
    return true;
}

/* Contiguity as flow (Shirabe), for measuring against the cuts: per
 * centre j a flow f[j][e] >= 0 on every arc e = u -> v of the graph; every
 * atom i of j's grid other than j consumes one unit sent from j along arcs
 * into atoms of the grid:
 *     sum_in f[j][.] - sum_out f[j][.] = x[i][j]     (i != j)
 *     f[j][u->v] <= (n - 1) x[v][j]
 * Columns n*n + j*m + e + 1 for the m arcs. Returns false when out of
 * memory. */
static bool add_flow(const gp_part_problem *p, glp_prob *lp)
{
    int n = p->n, m = p->xadj[n];
    int *rev = malloc(((size_t)m + 1) * sizeof *rev), *ind = malloc(((size_t)2 * m + 3) * sizeof *ind);
    double *val = malloc(((size_t)2 * m + 3) * sizeof *val);
    if (!rev || !ind || !val) {
        free(rev), free(ind), free(val);
        return false;
    }
    for (int u = 0; u < n; u++)
        for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++) {
            int v = p->adj[e];
            rev[e] = -1;
            for (int f = p->xadj[v]; f < p->xadj[v + 1] && rev[e] < 0; f++)
                if (p->adj[f] == u)
                    rev[e] = f;
        }
    int c0 = glp_add_cols(lp, n * m);
    for (int c = 0; c < n * m; c++)
        glp_set_col_bnds(lp, c0 + c, GLP_LO, 0, 0);
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < n; i++) {
            if (i == j)
                continue;
            int nz = 0;
            for (int e = p->xadj[i]; e < p->xadj[i + 1]; e++) {
                ind[++nz] = c0 + j * m + e, val[nz] = -1; /* out of i */
                if (rev[e] >= 0)
                    ind[++nz] = c0 + j * m + rev[e], val[nz] = 1; /* into i */
            }
            ind[++nz] = i * n + j + 1, val[nz] = -1;
            int r = glp_add_rows(lp, 1);
            glp_set_mat_row(lp, r, nz, ind, val);
            glp_set_row_bnds(lp, r, GLP_FX, 0, 0);
        }
        for (int u = 0; u < n; u++)
            for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++) {
                ind[1] = c0 + j * m + e, val[1] = 1;
                ind[2] = p->adj[e] * n + j + 1, val[2] = -(n - 1);
                int r = glp_add_rows(lp, 1);
                glp_set_mat_row(lp, r, 2, ind, val);
                glp_set_row_bnds(lp, r, GLP_UP, 0, 0);
            }
    }
    free(rev), free(ind), free(val);
    return true;
}

gp_status gp_model_bound(gp_ctx *ctx, const gp_part_problem *p, int k, double time_limit, double *bound)
{
    *bound = NAN;
    int n = p->n;
    if (n > BOUND_MAX_ATOMS || k < 1 || k > n)
        return GP_OK;
    build_buf *volatile bb = calloc(1, sizeof *bb); /* volatile: read after a longjmp */
    if (!bb)
        return GP_ERR_NOMEM;
    jmp_buf jb;
    gp_glpk_hooks_install(ctx, &jb);
    if (setjmp(jb) != 0) {
        /* GLPK failed: its environment (the problem with it) is freed */
        gp_glpk_hooks_remove();
        build_buf_free(bb);
        return GP_ERR_SOLVER;
    }
    glp_prob *lp = glp_create_prob();
    if (!build(p, k, lp, false, bb)) {
        glp_delete_prob(lp);
        gp_glpk_hooks_remove();
        build_buf_free(bb);
        return GP_ERR_NOMEM;
    }
    build_buf_free(bb);
    bb = NULL;
    glp_smcp sm;
    glp_init_smcp(&sm);
    sm.msg_lev = GLP_MSG_ERR;
    sm.presolve = GLP_ON;
    sm.meth = GLP_DUALP;
    sm.tm_lim = time_limit > 0 ? (int)fmin(time_limit * 1000, 1e9) : 10000;
    int rc = glp_simplex(lp, &sm);
    int status = rc == 0 ? glp_get_status(lp) : GLP_UNDEF;
    if (status == GLP_OPT)
        *bound = glp_get_obj_val(lp);
    else if (status == GLP_NOFEAS || rc == GLP_ENOPFS)
        *bound = INFINITY; /* no plan with k grids can meet the bounds */
    gp_log(ctx, GP_LOG_DEBUG, "model: %d atoms, k = %d, LP %s, bound %g", n, k,
           status == GLP_OPT ? "optimal" : rc ? "stopped" : "not optimal", *bound);
    glp_delete_prob(lp);
    gp_glpk_hooks_remove();
    return GP_OK;
}

/* ---- branch and cut ------------------------------------------------------
 * The integer model, with contiguity added lazily: when an integer solution
 * has a grid (centre b) with a piece C not connected to b, every atom a of C
 * gets the cut x[a][b] <= sum of x[c][b] over the atoms c next to C but not
 * in it (any path from a to b inside the grid must cross them). The
 * heuristic plan is handed to GLPK as the first incumbent. */

typedef struct cbdata {
    const gp_part_problem *p;
    int n;
    double *warm;                /* 1-based column values of the warm start */
    bool warm_given;
    bool by_flow;                /* contiguity by flow: no cuts */
    double best_bound;
    int cuts;
    int *centre, *queue, *mark, *ind, *stamp;
    int piece;
    double *val;
    /* fractional separation: atom v is split into nodes 2v (in) and 2v+1
     * (out); arc 2e and its reverse 2e+1 */
    int narcs, *head, *next, *first, *prev_arc, *fqueue;
    double *cap, *flow, *xb;
    int frac_cuts;
} cbdata;

#define FLOW_INF 1e9

static void arc_add(cbdata *d, int from, int to, double cap)
{
    int e = d->narcs;
    d->head[e] = to, d->cap[e] = cap, d->next[e] = d->first[from], d->first[from] = e;
    d->head[e + 1] = from, d->cap[e + 1] = 0, d->next[e + 1] = d->first[to], d->first[to] = e + 1;
    d->narcs += 2;
}

/* The split graph: an arc in -> out per atom (its capacity set per centre),
 * and out(u) -> in(v) of unbounded capacity per adjacency. */
static bool flow_graph(cbdata *d)
{
    const gp_part_problem *p = d->p;
    int n = d->n, m = p->xadj[n], arcs = 2 * (n + m);
    d->head = malloc((size_t)arcs * sizeof *d->head);
    d->next = malloc((size_t)arcs * sizeof *d->next);
    d->first = malloc(2 * (size_t)n * sizeof *d->first);
    d->prev_arc = malloc(2 * (size_t)n * sizeof *d->prev_arc);
    d->cap = malloc((size_t)arcs * sizeof *d->cap);
    d->flow = malloc((size_t)arcs * sizeof *d->flow);
    d->xb = malloc((size_t)n * sizeof *d->xb);
    d->fqueue = malloc(2 * (size_t)n * sizeof *d->fqueue);
    if (!d->head || !d->next || !d->first || !d->prev_arc || !d->cap || !d->flow || !d->xb || !d->fqueue)
        return false;
    for (int v = 0; v < 2 * n; v++)
        d->first[v] = -1;
    d->narcs = 0;
    for (int v = 0; v < n; v++)
        arc_add(d, 2 * v, 2 * v + 1, 0);
    for (int u = 0; u < n; u++)
        for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++)
            arc_add(d, 2 * u + 1, 2 * p->adj[e], FLOW_INF);
    return true;
}

/* Max flow from atom a to centre b where every other atom c carries at most
 * xb[c] (Edmonds-Karp), stopped once it reaches enough. When it stays below
 * enough, the atoms whose in-node the source still reaches and whose
 * out-node it does not form a minimum a,b-separator: written to d->queue,
 * their count returned. -1 when the flow reaches enough. */
static int separator(cbdata *d, int a, int b, double enough)
{
    int n = d->n, src = 2 * a + 1, snk = 2 * b;
    for (int e = 0; e < d->narcs; e++)
        d->flow[e] = 0;
    for (int v = 0; v < n; v++)
        d->cap[2 * v] = v == a || v == b ? FLOW_INF : fmax(0, d->xb[v]); /* arc 2v: in -> out of atom v */
    double total = 0;
    int *queue = d->fqueue;
    for (;;) {
        for (int v = 0; v < 2 * n; v++)
            d->prev_arc[v] = -2;
        int head = 0, tail = 0;
        queue[tail++] = src;
        d->prev_arc[src] = -1;
        while (head < tail && d->prev_arc[snk] == -2) {
            int u = queue[head++];
            for (int e = d->first[u]; e >= 0; e = d->next[e])
                if (d->cap[e] - d->flow[e] > 1e-12 && d->prev_arc[d->head[e]] == -2) {
                    d->prev_arc[d->head[e]] = e;
                    queue[tail++] = d->head[e];
                }
        }
        if (d->prev_arc[snk] == -2)
            break; /* no augmenting path: the flow is maximum */
        double push = FLOW_INF;
        for (int v = snk; v != src; v = d->head[d->prev_arc[v] ^ 1])
            push = fmin(push, d->cap[d->prev_arc[v]] - d->flow[d->prev_arc[v]]);
        for (int v = snk; v != src; v = d->head[d->prev_arc[v] ^ 1]) {
            d->flow[d->prev_arc[v]] += push;
            d->flow[d->prev_arc[v] ^ 1] -= push;
        }
        total += push;
        if (total >= enough)
            return -1;
    }
    /* reached: prev_arc != -2 from the last search */
    int nc = 0;
    for (int v = 0; v < n; v++)
        if (v != a && v != b && d->prev_arc[2 * v] != -2 && d->prev_arc[2 * v + 1] == -2)
            d->queue[nc++] = v;
    return nc;
}

/* At a fractional point: for each centre b open by at least a tenth and
 * each atom a it takes by at least a tenth, not next to b, the cut
 * x[a][b] <= sum over a minimum a,b-separator C of x[c][b] when the point
 * breaks it by more than 0.01 (at most 200 cuts a round). Returns the
 * number added. */
static int add_fractional_cuts(glp_tree *T, cbdata *d)
{
    glp_prob *lp = glp_ios_get_prob(T);
    const gp_part_problem *p = d->p;
    int n = d->n, added = 0;
    if (!d->head && !flow_graph(d))
        return 0;
    for (int b = 0; b < n && added < 200; b++) {
        if (glp_get_col_prim(lp, b * n + b + 1) < 0.1)
            continue;
        for (int c = 0; c < n; c++)
            d->xb[c] = glp_get_col_prim(lp, c * n + b + 1);
        for (int a = 0; a < n && added < 200; a++) {
            if (a == b || d->xb[a] < 0.1)
                continue;
            bool next = false;
            for (int e = p->xadj[a]; e < p->xadj[a + 1] && !next; e++)
                next = p->adj[e] == b;
            if (next)
                continue;
            int nc = separator(d, a, b, d->xb[a] - 0.01);
            if (nc < 0)
                continue;
            d->ind[1] = a * n + b + 1;
            d->val[1] = 1;
            for (int q = 0; q < nc; q++)
                d->ind[2 + q] = d->queue[q] * n + b + 1, d->val[2 + q] = -1;
            int r = glp_add_rows(lp, 1);
            glp_set_mat_row(lp, r, 1 + nc, d->ind, d->val);
            glp_set_row_bnds(lp, r, GLP_UP, 0, 0);
            added++;
        }
    }
    d->frac_cuts += added;
    return added;
}

static void add_cuts(glp_tree *T, cbdata *d)
{
    glp_prob *lp = glp_ios_get_prob(T);
    const gp_part_problem *p = d->p;
    int n = d->n;
    for (int i = 0; i < n; i++) {
        d->centre[i] = -1;
        for (int j = 0; j < n; j++) {
            double x = glp_get_col_prim(lp, i * n + j + 1);
            if (x > INT_TOL && x < 1 - INT_TOL) {
                add_fractional_cuts(T, d);
                return; /* else branching will decide */
            }
            if (x > 0.5)
                d->centre[i] = j;
        }
        if (d->centre[i] < 0)
            return;
    }
    /* mark[i]: 1 reached from its centre, 2 in the piece being cut off,
     * 3 in a piece already cut off */
    for (int i = 0; i < n; i++)
        d->mark[i] = 0;
    for (int b = 0; b < n; b++) {
        if (d->centre[b] != b)
            continue;
        int head = 0, tail = 0;
        d->queue[tail++] = b;
        d->mark[b] = 1;
        while (head < tail) {
            int u = d->queue[head++];
            for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++) {
                int v = p->adj[e];
                if (d->centre[v] == b && !d->mark[v]) {
                    d->mark[v] = 1;
                    d->queue[tail++] = v;
                }
            }
        }
    }
    for (int s = 0; s < n; s++) {
        if (d->mark[s])
            continue;
        /* a piece C cut off from its centre b: collect it (mark 2) */
        int b = d->centre[s], head = 0, tail = 0;
        d->queue[tail++] = s;
        d->mark[s] = 2;
        while (head < tail) {
            int u = d->queue[head++];
            for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++) {
                int v = p->adj[e];
                if (d->centre[v] == b && !d->mark[v]) {
                    d->mark[v] = 2;
                    d->queue[tail++] = v;
                }
            }
        }
        /* its neighbours outside it, each once */
        d->piece++;
        int nn = 0;
        for (int q = 0; q < tail; q++) {
            int u = d->queue[q];
            for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++) {
                int v = p->adj[e];
                if (d->mark[v] == 2 || d->stamp[v] == d->piece)
                    continue;
                d->stamp[v] = d->piece;
                d->ind[2 + nn] = v * n + b + 1;
                d->val[2 + nn] = -1;
                nn++;
            }
        }
        for (int q = 0; q < tail; q++) {
            d->ind[1] = d->queue[q] * n + b + 1;
            d->val[1] = 1;
            int r = glp_add_rows(lp, 1);
            glp_set_mat_row(lp, r, 1 + nn, d->ind, d->val);
            glp_set_row_bnds(lp, r, GLP_UP, 0, 0);
            d->cuts++;
        }
        for (int q = 0; q < tail; q++)
            d->mark[d->queue[q]] = 3; /* this piece is done */
    }
}

static void callback(glp_tree *T, void *info)
{
    cbdata *d = info;
    switch (glp_ios_reason(T)) {
    case GLP_IHEUR:
        if (!d->warm_given) {
            glp_ios_heur_sol(T, d->warm);
            d->warm_given = true;
        }
        break;
    case GLP_IROWGEN:
        if (!d->by_flow)
            add_cuts(T, d);
        break;
    default:
        break;
    }
    int best = glp_ios_best_node(T);
    if (best)
        d->best_bound = fmax(d->best_bound, glp_ios_node_bound(T, best));
}

static gp_status solve(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, double time_limit, double gap_tol,
                       bool flow, double *objective, double *bound, bool *improved, bool *timed_out);

gp_status gp_model_solve(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, double time_limit,
                         double gap_tol, double *objective, double *bound, bool *improved, bool *timed_out)
{
    return solve(ctx, p, k, grid, time_limit, gap_tol, false, objective, bound, improved, timed_out);
}

gp_status gp_model_solve_flow(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, double time_limit,
                              double gap_tol, double *objective, double *bound, bool *improved, bool *timed_out)
{
    return solve(ctx, p, k, grid, time_limit, gap_tol, true, objective, bound, improved, timed_out);
}

static gp_status solve(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, double time_limit, double gap_tol,
                       bool flow, double *objective, double *bound, bool *improved, bool *timed_out)
{
    int n = p->n;
    *bound = NAN;
    *improved = false;
    *timed_out = n <= SOLVE_MAX_ATOMS && time_limit <= 0.05;
    *objective = gp_model_objective(p, grid, k);
    if (n > SOLVE_MAX_ATOMS || k < 1 || k > n || time_limit <= 0.05)
        return GP_OK;
    cbdata d = {0};
    d.p = p;
    d.n = n;
    d.by_flow = flow;
    d.best_bound = -INFINITY;
    size_t ncols = (size_t)n * n + (flow ? (size_t)n * p->xadj[n] : 0);
    d.warm = calloc(ncols + 1, sizeof *d.warm);
    d.centre = malloc((size_t)n * sizeof *d.centre);
    d.queue = malloc((size_t)n * sizeof *d.queue);
    d.mark = malloc((size_t)n * sizeof *d.mark);
    d.ind = malloc(((size_t)n + 2) * sizeof *d.ind);
    d.val = malloc(((size_t)n + 2) * sizeof *d.val);
    d.stamp = calloc((size_t)n, sizeof *d.stamp);
    int *best_centre = malloc((size_t)k * sizeof *best_centre);
    gp_status st = GP_OK;
    if (!d.warm || !d.centre || !d.queue || !d.mark || !d.ind || !d.val || !d.stamp || !best_centre) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    /* the warm start: each grid about its best centre atom */
    if (isnan(gp_model_centres(p, grid, k, best_centre))) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < n; i++)
        d.warm[i * n + best_centre[grid[i]] + 1] = 1;
    if (flow) {
        /* its flows: along a breadth-first tree of each grid from its
         * centre, each arc carries the atoms below it */
        int m = p->xadj[n], *via = d.stamp, *below = d.mark;
        for (int g = 0; g < k; g++) {
            int b = best_centre[g], head = 0, tail = 0;
            for (int i = 0; i < n; i++)
                via[i] = -2;
            d.queue[tail++] = b;
            via[b] = -1;
            while (head < tail) {
                int u = d.queue[head++];
                for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++)
                    if (grid[p->adj[e]] == g && via[p->adj[e]] == -2) {
                        via[p->adj[e]] = e;
                        d.queue[tail++] = p->adj[e];
                    }
            }
            for (int q = 0; q < tail; q++)
                below[d.queue[q]] = 1;
            for (int q = tail - 1; q > 0; q--) { /* leaves first */
                int v = d.queue[q], e = via[v], u = -1;
                for (int w = 0; w < n && u < 0; w++)
                    if (e >= p->xadj[w] && e < p->xadj[w + 1])
                        u = w;
                d.warm[(size_t)n * n + (size_t)b * m + e + 1] = below[v];
                below[u] += below[v];
            }
        }
        for (int i = 0; i < n; i++)
            d.stamp[i] = 0, d.mark[i] = 0;
    }

    build_buf *volatile bb = calloc(1, sizeof *bb); /* volatile: read after a longjmp */
    if (!bb) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    jmp_buf jb;
    gp_glpk_hooks_install(ctx, &jb);
    if (setjmp(jb) != 0) {
        gp_glpk_hooks_remove();
        build_buf_free(bb);
        st = GP_ERR_SOLVER;
        goto out;
    }
    double t0 = gp_now();
    glp_prob *lp = glp_create_prob();
    if (!build(p, k, lp, true, bb) || (flow && !add_flow(p, lp))) {
        glp_delete_prob(lp);
        gp_glpk_hooks_remove();
        build_buf_free(bb);
        st = GP_ERR_NOMEM;
        goto out;
    }
    build_buf_free(bb);
    bb = NULL;
    glp_smcp sm;
    glp_init_smcp(&sm);
    sm.msg_lev = GLP_MSG_ERR;
    sm.meth = GLP_DUALP;
    sm.tm_lim = (int)fmin(time_limit * 1000, 1e9);
    int rc = glp_simplex(lp, &sm);
    if (rc == GLP_ETMLIM)
        *timed_out = true;
    if (rc == 0 && glp_get_status(lp) == GLP_OPT) {
        d.best_bound = glp_get_obj_val(lp);
        double left = time_limit - (gp_now() - t0);
        glp_iocp io;
        glp_init_iocp(&io);
        io.msg_lev = GLP_MSG_ERR;
        io.presolve = GLP_OFF; /* the callback works on the original rows */
        io.cb_func = callback;
        io.cb_info = &d;
        io.mip_gap = gap_tol;
        io.tm_lim = left > 0.05 ? (int)fmin(left * 1000, 1e9) : 50;
        io.sr_heur = GLP_OFF; /* its roundings would skip the contiguity cuts */
        io.tol_int = INT_TOL; /* what GLPK calls integral, the cuts see as such */
        io.br_tech = GLP_BR_DTH;
        io.bt_tech = GLP_BT_BLB;
        rc = glp_intopt(lp, &io);
        *timed_out = rc == GLP_ETMLIM;
        int ms = glp_mip_status(lp);
        if (ms == GLP_OPT || ms == GLP_FEAS) {
            /* the incumbent: read it as a plan */
            int *cent = d.centre, ng = 0;
            for (int i = 0; i < n; i++) {
                cent[i] = -1;
                for (int j = 0; j < n && cent[i] < 0; j++)
                    if (glp_mip_col_val(lp, i * n + j + 1) > 0.5)
                        cent[i] = j;
            }
            int *label = d.queue;
            for (int j = 0; j < n; j++)
                label[j] = -1;
            bool whole = true;
            for (int i = 0; i < n; i++) {
                if (cent[i] < 0) {
                    whole = false;
                    break;
                }
                if (label[cent[i]] < 0)
                    label[cent[i]] = ng++;
            }
            double obj = glp_mip_obj_val(lp);
            if (whole && ng == k && obj < *objective * (1 - 1e-9)) {
                int *cand = malloc((size_t)n * sizeof *cand);
                if (cand) {
                    for (int i = 0; i < n; i++)
                        cand[i] = label[cent[i]];
                    /* never trust, check: contiguous and within bounds */
                    bool ok = true;
                    double sums[64][GP_NATTR] = {{0}};
                    for (int g = 0; g < k && ok; g++)
                        ok = gp_part_connected(p, cand, g);
                    if (ok && k <= 64) {
                        for (int i = 0; i < n; i++)
                            for (int a = 0; a < GP_NATTR; a++)
                                sums[cand[i]][a] += p->v[i][a];
                        for (int g = 0; g < k && ok; g++)
                            for (int a = 0; a < GP_NATTR; a++)
                                ok &= sums[g][a] >= p->lo[a] - 1e-9 && sums[g][a] <= p->hi[a] + 1e-9;
                    } else {
                        ok = false;
                    }
                    gp_log(ctx, GP_LOG_DEBUG, "model: GLPK's plan (objective %g) %s", obj,
                           ok ? "checks out" : "fails the check (not contiguous or out of bounds): kept the start");
                    if (ok) {
                        memcpy(grid, cand, (size_t)n * sizeof *grid);
                        *objective = gp_model_objective(p, grid, k);
                        *improved = true;
                    }
                    free(cand);
                }
            }
            if (rc == 0 && ms == GLP_OPT)
                d.best_bound = fmax(d.best_bound, fmin(obj, *objective)); /* search complete */
        } else if (ms == GLP_NOFEAS) {
            d.best_bound = INFINITY;
        }
    }
    *bound = isfinite(d.best_bound) || d.best_bound > 0 ? d.best_bound : NAN;
    gp_log(ctx, GP_LOG_DEBUG, "model: %d atoms, k = %d, branch and cut %s, %d contiguity cuts (%d at fractional "
           "points), objective %g, bound %g", n, k,
           rc == 0 ? "done" : rc == GLP_ETMLIM ? "out of time" : rc == GLP_EMIPGAP ? "within gap" : "stopped",
           d.cuts + d.frac_cuts, d.frac_cuts, *objective, *bound);
    glp_delete_prob(lp);
    gp_glpk_hooks_remove();
out:
    free(d.warm), free(d.centre), free(d.queue), free(d.mark), free(d.ind), free(d.val), free(d.stamp);
    free(d.head), free(d.next), free(d.first), free(d.prev_arc), free(d.cap), free(d.flow), free(d.xb), free(d.fqueue);
    free(best_centre);
    return st;
}
