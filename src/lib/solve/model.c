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

#include "solve/cuts.h"

/* No bound is attempted beyond this many atoms (n^2 columns and rows). */
#define BOUND_MAX_ATOMS GP_MODEL_BOUND_ATOMS
/* Branch and cut is attempted up to this many atoms. */
#define SOLVE_MAX_ATOMS GP_MODEL_BOUND_ATOMS

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

double gp_model_lp_cost(const gp_part_problem *p)
{
    /* measured on San Francisco's neighbourhoods: 1.8e6 units at 80 atoms */
    double r = p->n / 80.0;
    return 1.8e6 * r * r * r * r;
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

/* The dual simplex on lp, quiet, its iterations charged to w (the return
 * code GLP_EITLIM when w ran out, GLP_ETMLIM when its deadline passed);
 * the iteration's cost into *it_cost. */
static int simplex(glp_prob *lp, bool presolve, gp_work *w, double *it_cost)
{
    *it_cost = gp_work_iteration(glp_get_num_rows(lp), glp_get_num_cols(lp));
    if (gp_work_left(w) <= 0)
        return w->capped ? GLP_ETMLIM : GLP_EITLIM;
    glp_smcp sm;
    glp_init_smcp(&sm);
    sm.msg_lev = GLP_MSG_ERR;
    sm.presolve = presolve ? GLP_ON : GLP_OFF;
    sm.meth = GLP_DUALP;
    sm.it_lim = gp_work_it_lim(w, *it_cost);
    sm.tm_lim = gp_work_tm_lim(w);
    int it0 = glp_get_it_cnt(lp);
    int rc = glp_simplex(lp, &sm);
    gp_work_spend(w, (glp_get_it_cnt(lp) - it0) * *it_cost);
    if (rc == GLP_ETMLIM)
        w->capped = true;
    return rc;
}

/* The LP relaxation, inside gp_glpk_run. */
typedef struct lp_job {
    const gp_part_problem *p;
    int k;
    gp_work *work;
    double *bound;
    build_buf *bb;
} lp_job;

static gp_status lp_run(gp_ctx *ctx, void *user)
{
    lp_job *j = user;
    int n = j->p->n;
    glp_prob *lp = glp_create_prob();
    if (!build(j->p, j->k, lp, false, j->bb)) {
        glp_delete_prob(lp);
        return GP_ERR_NOMEM;
    }
    double it_cost;
    int rc = simplex(lp, true, j->work, &it_cost);
    int status = rc == 0 ? glp_get_status(lp) : GLP_UNDEF;
    if (status == GLP_OPT)
        *j->bound = glp_get_obj_val(lp);
    else if (status == GLP_NOFEAS || rc == GLP_ENOPFS)
        *j->bound = INFINITY; /* no plan with k grids can meet the bounds */
    gp_log(ctx, GP_LOG_DEBUG, "model: %d atoms, k = %d, LP %s, bound %g", n, j->k,
           status == GLP_OPT ? "optimal" : rc ? "stopped" : "not optimal", *j->bound);
    glp_delete_prob(lp);
    return GP_OK;
}

gp_status gp_model_bound(gp_ctx *ctx, const gp_part_problem *p, int k, gp_work *w, double *bound)
{
    *bound = NAN;
    int n = p->n;
    if (n > BOUND_MAX_ATOMS || k < 1 || k > n)
        return GP_OK;
    lp_job j = {p, k, w, bound, calloc(1, sizeof(build_buf))};
    if (!j.bb)
        return GP_ERR_NOMEM;
    gp_status st = gp_glpk_run(ctx, lp_run, &j);
    build_buf_free(j.bb);
    return st;
}

/* Branch and cut, inside gp_glpk_run: the model from p, the start in
 * warm, the cuts' scratch in d. */
typedef struct bc_job {
    const gp_part_problem *p;
    int k, *grid;
    gp_work *work;
    double gap_tol;
    bool flow;
    double *objective, *bound;
    bool *improved, *stopped;
    double *warm;
    gp_cuts d;
    build_buf *bb;
    bool nomem; /* checking GLPK's plan ran out of memory */
} bc_job;

/* Reads the incumbent of lp as a plan into grid (k grids), when it is
 * better than *objective and checks out: contiguous and within bounds. */
static void take_incumbent(gp_ctx *ctx, bc_job *j, glp_prob *lp, double obj)
{
    const gp_part_problem *p = j->p;
    int n = p->n, k = j->k, *cent = j->d.centre, *label = j->d.queue, ng = 0;
    for (int i = 0; i < n; i++) {
        cent[i] = -1;
        for (int c = 0; c < n && cent[i] < 0; c++)
            if (glp_mip_col_val(lp, i * n + c + 1) > 0.5)
                cent[i] = c;
    }
    for (int c = 0; c < n; c++)
        label[c] = -1;
    for (int i = 0; i < n; i++) {
        if (cent[i] < 0)
            return; /* not a whole plan */
        if (label[cent[i]] < 0)
            label[cent[i]] = ng++;
    }
    if (ng != k || !(obj < *j->objective * (1 - 1e-9)))
        return;
    int *cand = malloc((size_t)n * sizeof *cand);
    if (!cand) {
        j->nomem = true;
        return;
    }
    for (int i = 0; i < n; i++)
        cand[i] = label[cent[i]];
    /* never trust, check */
    bool ok = gp_part_check(p, cand, k);
    gp_log(ctx, GP_LOG_DEBUG, "model: GLPK's plan (objective %g) %s", obj,
           ok ? "checks out" : "fails the check (not contiguous or out of bounds): kept the start");
    if (ok) {
        memcpy(j->grid, cand, (size_t)n * sizeof *j->grid);
        *j->objective = gp_model_objective(p, j->grid, k);
        *j->improved = true;
        j->nomem |= isnan(*j->objective);
    }
    free(cand);
}

static gp_status bc_run(gp_ctx *ctx, void *user)
{
    bc_job *j = user;
    const gp_part_problem *p = j->p;
    int n = p->n, k = j->k;
    glp_prob *lp = glp_create_prob();
    if (!build(p, k, lp, true, j->bb) || (j->flow && !add_flow(p, lp))) {
        glp_delete_prob(lp);
        return GP_ERR_NOMEM;
    }
    double it_cost;
    int rc = simplex(lp, false, j->work, &it_cost);
    if (rc == GLP_EITLIM || rc == GLP_ETMLIM)
        *j->stopped = true;
    gp_search search;
    gp_search_init(&search, j->warm, j->work, lp, it_cost);
    search.rowgen = j->flow ? NULL : gp_cuts_rowgen;
    search.user = &j->d;
    if (rc == 0 && glp_get_status(lp) == GLP_OPT && gp_work_left(j->work) > 0) {
        search.bound = glp_get_obj_val(lp);
        glp_iocp io;
        glp_init_iocp(&io);
        io.msg_lev = GLP_MSG_ERR;
        io.presolve = GLP_OFF; /* the callback works on the original rows */
        io.cb_func = gp_search_callback;
        io.cb_info = &search;
        io.mip_gap = j->gap_tol;
        io.tm_lim = gp_work_tm_lim(j->work); /* the safety cap */
        io.sr_heur = GLP_OFF; /* its roundings would skip the contiguity cuts */
        io.tol_int = GP_INT_TOL; /* what GLPK calls integral, the cuts see as such */
        io.br_tech = GLP_BR_DTH;
        io.bt_tech = GLP_BT_BLB;
        rc = glp_intopt(lp, &io);
        gp_search_charge(&search, lp);
        *j->stopped = rc == GLP_ESTOP || rc == GLP_ETMLIM;
        if (rc == GLP_ETMLIM)
            j->work->capped = true;
        int ms = glp_mip_status(lp);
        if (ms == GLP_OPT || ms == GLP_FEAS) {
            double obj = glp_mip_obj_val(lp);
            take_incumbent(ctx, j, lp, obj);
            if (rc == 0 && ms == GLP_OPT)
                search.bound = fmax(search.bound, fmin(obj, *j->objective)); /* search complete */
        } else if (ms == GLP_NOFEAS) {
            search.bound = INFINITY;
        }
    } else if (rc == 0 && glp_get_status(lp) == GLP_OPT) {
        search.bound = glp_get_obj_val(lp); /* the LP's bound, and no budget left to branch */
        *j->stopped = true;
    } else if (rc == 0 && glp_get_status(lp) == GLP_NOFEAS) {
        search.bound = INFINITY; /* not even fractional grids meet the bounds: a proof */
    }
    *j->bound = isfinite(search.bound) || search.bound > 0 ? search.bound : NAN;
    gp_log(ctx, GP_LOG_DEBUG, "model: %d atoms, k = %d, branch and cut %s, %d contiguity cuts (%d at fractional "
           "points), objective %g, bound %g", n, k,
           rc == 0 ? "done" : rc == GLP_ETMLIM ? "cut by the time limit" : rc == GLP_EMIPGAP ? "within gap"
           : rc == GLP_ESTOP || rc == GLP_EITLIM ? "out of budget" : "stopped",
           j->d.cuts + j->d.frac_cuts, j->d.frac_cuts, *j->objective, *j->bound);
    glp_delete_prob(lp);
    return j->nomem || j->d.nomem ? GP_ERR_NOMEM : GP_OK;
}

/* Its flows, for the flow model's start: along a breadth-first tree of
 * each grid from its centre, each arc carries the atoms below it. */
static void warm_flows(const gp_part_problem *p, const int *grid, int k, const int *centre, gp_cuts *d, double *warm)
{
    int n = p->n, m = p->xadj[n], *via = d->stamp, *below = d->mark;
    for (int g = 0; g < k; g++) {
        int b = centre[g], head = 0, tail = 0;
        for (int i = 0; i < n; i++)
            via[i] = -2;
        d->queue[tail++] = b;
        via[b] = -1;
        while (head < tail) {
            int u = d->queue[head++];
            for (int e = p->xadj[u]; e < p->xadj[u + 1]; e++)
                if (grid[p->adj[e]] == g && via[p->adj[e]] == -2) {
                    via[p->adj[e]] = e;
                    d->queue[tail++] = p->adj[e];
                }
        }
        for (int q = 0; q < tail; q++)
            below[d->queue[q]] = 1;
        for (int q = tail - 1; q > 0; q--) { /* leaves first */
            int v = d->queue[q], e = via[v], u = -1;
            for (int w = 0; w < n && u < 0; w++)
                if (e >= p->xadj[w] && e < p->xadj[w + 1])
                    u = w;
            warm[(size_t)n * n + (size_t)b * m + e + 1] = below[v];
            below[u] += below[v];
        }
    }
    for (int i = 0; i < n; i++)
        d->stamp[i] = 0, d->mark[i] = 0;
}

/* True when grid is a plan of k grids, each contiguous and within bounds. */
static bool grid_is_start(const gp_part_problem *p, const int *grid, int k)
{
    for (int i = 0; i < p->n; i++)
        if (grid[i] < 0 || grid[i] >= k)
            return false;
    return gp_part_check(p, grid, k);
}

static gp_status solve(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, gp_work *w, double gap_tol,
                       bool flow, double *objective, double *bound, bool *improved, bool *stopped)
{
    int n = p->n;
    *bound = NAN;
    *improved = false;
    *stopped = n <= SOLVE_MAX_ATOMS && gp_work_left(w) <= 0;
    /* a start that misses the bounds (or has another count) is no start:
     * the search begins with no plan, and any it finds is better */
    bool start = grid_is_start(p, grid, k);
    *objective = start ? gp_model_objective(p, grid, k) : INFINITY;
    if (n > SOLVE_MAX_ATOMS || k < 1 || k > n || gp_work_left(w) <= 0)
        return GP_OK;
    bc_job j = {.p = p, .k = k, .grid = grid, .work = w, .gap_tol = gap_tol, .flow = flow,
                .objective = objective, .bound = bound, .improved = improved, .stopped = stopped};
    size_t ncols = (size_t)n * n + (flow ? (size_t)n * p->xadj[n] : 0);
    j.warm = calloc(ncols + 1, sizeof *j.warm);
    j.bb = calloc(1, sizeof *j.bb);
    int *best_centre = malloc((size_t)k * sizeof *best_centre);
    gp_status st = GP_OK;
    /* the warm start: each grid about its best centre atom */
    if (!gp_cuts_init(&j.d, p) || !j.warm || !j.bb || !best_centre ||
        (start && isnan(gp_model_centres(p, grid, k, best_centre)))) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    if (start) {
        for (int i = 0; i < n; i++)
            j.warm[i * n + best_centre[grid[i]] + 1] = 1;
        if (flow)
            warm_flows(p, grid, k, best_centre, &j.d, j.warm);
    } else {
        free(j.warm);
        j.warm = NULL;
    }
    st = gp_glpk_run(ctx, bc_run, &j);
out:
    build_buf_free(j.bb);
    gp_cuts_free(&j.d);
    free(j.warm);
    free(best_centre);
    return st;
}

gp_status gp_model_solve(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, gp_work *w, double gap_tol,
                         double *objective, double *bound, bool *improved, bool *stopped)
{
    return solve(ctx, p, k, grid, w, gap_tol, false, objective, bound, improved, stopped);
}

gp_status gp_model_solve_flow(gp_ctx *ctx, const gp_part_problem *p, int k, int *grid, gp_work *w, double gap_tol,
                              double *objective, double *bound, bool *improved, bool *stopped)
{
    return solve(ctx, p, k, grid, w, gap_tol, true, objective, bound, improved, stopped);
}
