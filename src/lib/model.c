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
#define BOUND_MAX_ATOMS 200

double gp_model_weight(const gp_part_problem *p, int i, double mean)
{
    return p->v[i][p->primary] + 0.01 * mean;
}

static double mean_weight(const gp_part_problem *p)
{
    double t = 0;
    for (int i = 0; i < p->n; i++)
        t += p->v[i][p->primary];
    return p->n ? t / p->n : 1.0;
}

static double d2(const gp_part_problem *p, int i, int j)
{
    double dx = p->x[i] - p->x[j], dy = p->y[i] - p->y[j];
    return (dx * dx + dy * dy) / 1e6; /* km^2: keeps coefficients tame */
}

double gp_model_objective(const gp_part_problem *p, const int *grid, int k)
{
    double mean = mean_weight(p), total = 0;
    int *members = malloc((size_t)p->n * sizeof *members), *start = calloc((size_t)k + 1, sizeof *start);
    if (!members || !start) {
        free(members);
        free(start);
        return NAN;
    }
    for (int i = 0; i < p->n; i++)
        start[grid[i] + 1]++;
    for (int g = 0; g < k; g++)
        start[g + 1] += start[g];
    int *pos = malloc((size_t)(k ? k : 1) * sizeof *pos);
    if (!pos) {
        free(members);
        free(start);
        return NAN;
    }
    memcpy(pos, start, (size_t)k * sizeof *pos);
    for (int i = 0; i < p->n; i++)
        members[pos[grid[i]]++] = i;
    for (int g = 0; g < k; g++) {
        double best = DBL_MAX;
        for (int a = start[g]; a < start[g + 1]; a++) {
            double m = 0;
            for (int b = start[g]; b < start[g + 1] && m < best; b++)
                m += gp_model_weight(p, members[b], mean) * d2(p, members[b], members[a]);
            if (m < best)
                best = m;
        }
        if (start[g + 1] > start[g])
            total += best;
    }
    free(members);
    free(start);
    free(pos);
    return total;
}

gp_status gp_model_bound(gp_ctx *ctx, const gp_part_problem *p, int k, double time_limit, double *bound)
{
    *bound = NAN;
    int n = p->n;
    if (n > BOUND_MAX_ATOMS || k < 1 || k > n)
        return GP_OK;
    double mean = mean_weight(p);
    int nb = 0, battr[GP_NATTR];
    for (int a = 0; a < GP_NATTR; a++)
        if (isfinite(p->lo[a]) || isfinite(p->hi[a]))
            battr[nb++] = a;

    jmp_buf jb;
    glp_prob *volatile lp = NULL;
    int *volatile ia = NULL, *volatile ja = NULL;
    double *volatile ar = NULL;
    if (gp_glpk_begin(ctx, jb) != 0) {
        /* GLPK failed: its environment (and lp) is already freed */
        gp_glpk_hooks_remove();
        free(ia), free(ja), free(ar);
        return GP_ERR_SOLVER;
    }
    lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    glp_add_cols(lp, n * n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int c = i * n + j + 1;
            glp_set_col_bnds(lp, c, GLP_DB, 0, 1);
            glp_set_obj_coef(lp, c, gp_model_weight(p, i, mean) * d2(p, i, j));
        }
    /* rows: assignment n, count 1, linking n(n-1), bounds 2 per (centre,
     * bounded attribute) */
    int rows = n + 1 + n * (n - 1) + 2 * nb * n;
    size_t nz = (size_t)n * n + n + 2 * (size_t)n * (n - 1) + 2 * (size_t)nb * n * (n + 1);
    ia = malloc((nz + 1) * sizeof *ia);
    ja = malloc((nz + 1) * sizeof *ja);
    ar = malloc((nz + 1) * sizeof *ar);
    if (!ia || !ja || !ar) {
        glp_delete_prob(lp);
        gp_glpk_hooks_remove();
        free(ia), free(ja), free(ar);
        return GP_ERR_NOMEM;
    }
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
        double lo = isfinite(p->lo[a]) ? p->lo[a] : 0, hi = isfinite(p->hi[a]) ? p->hi[a] : 0;
        for (int j = 0; j < n; j++) {
            /* sum_i v x_ij - U x_jj <= 0 ;  sum_i v x_ij - L x_jj >= 0 */
            for (int side = 0; side < 2; side++) {
                bool upper = side == 0;
                ++r;
                if (upper ? !isfinite(p->hi[a]) : !isfinite(p->lo[a])) {
                    glp_set_row_bnds(lp, r, GLP_FR, 0, 0);
                    continue;
                }
                glp_set_row_bnds(lp, r, upper ? GLP_UP : GLP_LO, 0, 0);
                for (int i = 0; i < n; i++) {
                    double coef = p->v[i][a] - (i == j ? (upper ? hi : lo) : 0);
                    if (coef != 0)
                        ++e, ia[e] = r, ja[e] = i * n + j + 1, ar[e] = coef;
                }
            }
        }
    }
    glp_load_matrix(lp, (int)e, ia, ja, ar);
    free(ia), free(ja), free(ar);
    ia = ja = NULL;
    ar = NULL;
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
    gp_log(ctx, GP_LOG_DEBUG, "model: %d atoms, k = %d, LP %s, bound %g", n, k, status == GLP_OPT ? "optimal" : rc ? "stopped" : "not optimal",
           *bound);
    glp_delete_prob(lp);
    gp_glpk_hooks_remove();
    return GP_OK;
}
