/* Workers: the roster's loads in the plan in force, head-count allocation
 * across communities, and the assignment of named workers to grids. Both
 * decisions are integer programs solved with GLPK. */
#include <errno.h>
#include <float.h>
#include <glpk.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- a small integer-program builder over GLPK -------------------------- */

typedef struct mip {
    glp_prob *lp;
    int *ia, *ja;
    double *ar;
    int ne, cap;
    bool nomem;
    double *warm;                /* a feasible solution to start from (1-based), or NULL */
    bool warm_given;
    bool use_warm;               /* GLPK found nothing better: the answer is warm */
    double bound;                /* best bound seen in the search */
} mip;

static int col_add(mip *m, double lo, double hi, double cost, bool binary)
{
    int j = glp_add_cols(m->lp, 1);
    if (binary)
        glp_set_col_kind(m->lp, j, lo == hi ? GLP_IV : GLP_BV);
    if (binary && lo == hi)
        glp_set_col_bnds(m->lp, j, GLP_FX, lo, hi);
    else if (!binary)
        glp_set_col_bnds(m->lp, j, isfinite(hi) ? (lo == hi ? GLP_FX : GLP_DB) : GLP_LO, lo, hi);
    glp_set_obj_coef(m->lp, j, cost);
    return j;
}

static int icol_add(mip *m, double lo, double hi, double cost)
{
    int j = glp_add_cols(m->lp, 1);
    glp_set_col_kind(m->lp, j, GLP_IV);
    glp_set_col_bnds(m->lp, j, lo == hi ? GLP_FX : isfinite(hi) ? GLP_DB : GLP_LO, lo, hi);
    glp_set_obj_coef(m->lp, j, cost);
    return j;
}

/* A row lo <= ... <= hi (either side infinite); returns its index. */
static int row_add(mip *m, double lo, double hi)
{
    int i = glp_add_rows(m->lp, 1);
    int type = isfinite(lo) ? (isfinite(hi) ? (lo == hi ? GLP_FX : GLP_DB) : GLP_LO) : (isfinite(hi) ? GLP_UP : GLP_FR);
    glp_set_row_bnds(m->lp, i, type, isfinite(lo) ? lo : 0, isfinite(hi) ? hi : 0);
    return i;
}

static void coef(mip *m, int row, int col, double v)
{
    if (m->ne + 1 >= m->cap) {
        int cap = m->cap ? m->cap * 2 : 1024;
        int *ia = realloc(m->ia, (size_t)cap * sizeof *ia);
        if (ia)
            m->ia = ia;
        int *ja = realloc(m->ja, (size_t)cap * sizeof *ja);
        if (ja)
            m->ja = ja;
        double *ar = realloc(m->ar, (size_t)cap * sizeof *ar);
        if (ar)
            m->ar = ar;
        if (!ia || !ja || !ar) {
            m->nomem = true;
            return;
        }
        m->cap = cap;
    }
    m->ne++;
    m->ia[m->ne] = row;
    m->ja[m->ne] = col;
    m->ar[m->ne] = v;
}

typedef struct mip_out {
    int status;                  /* GP_CS_OPTIMAL / GP_CS_TIME_LIMIT / GP_CS_INFEASIBLE */
    bool proven_infeasible;      /* INFEASIBLE because no solution exists (else: none found in time) */
    double objective, gap, seconds;
} mip_out;

static void mip_cb(glp_tree *T, void *info)
{
    mip *m = info;
    if (glp_ios_reason(T) == GLP_IHEUR && m->warm && !m->warm_given) {
        glp_ios_heur_sol(T, m->warm);
        m->warm_given = true;
    }
    int best = glp_ios_best_node(T);
    if (best)
        m->bound = fmax(m->bound, glp_ios_node_bound(T, best));
}

/* The value of column j in the answer. */
static double mip_val(const mip *m, int j)
{
    return m->use_warm ? m->warm[j] : glp_mip_col_val(m->lp, j);
}

/* Solves m (minimisation) within time_limit seconds, stopping at relative
 * gap gap_tol. With m->warm, the search starts from that solution (and
 * keeps it when it finds nothing better in time). A GLPK error comes back
 * as GP_ERR_SOLVER. */
static gp_status mip_solve(gp_ctx *ctx, mip *m, double time_limit, double gap_tol, bool cuts, mip_out *out)
{
    double t0 = gp_now();
    out->status = GP_CS_INFEASIBLE;
    out->proven_infeasible = false;
    out->objective = out->gap = NAN;
    out->seconds = 0;
    if (m->nomem)
        return GP_ERR_NOMEM;
    glp_load_matrix(m->lp, m->ne, m->ia, m->ja, m->ar);
    glp_iocp io;
    glp_init_iocp(&io);
    io.msg_lev = GLP_MSG_ERR;
    /* the warm start goes in through the callback, which needs the
     * original problem: solve its LP first instead of presolving */
    io.presolve = m->warm ? GLP_OFF : GLP_ON;
    if (m->warm) {
        glp_smcp sm;
        glp_init_smcp(&sm);
        sm.msg_lev = GLP_MSG_ERR;
        sm.presolve = GLP_OFF;
        sm.tm_lim = io.tm_lim = time_limit > 0 ? (int)fmin(time_limit * 1000, 2e9) : INT32_MAX;
        if (glp_simplex(m->lp, &sm) != 0 || glp_get_status(m->lp) != GLP_OPT) {
            m->use_warm = true; /* the LP did not solve in time: keep the start */
            out->seconds = gp_now() - t0;
            out->status = GP_CS_TIME_LIMIT;
            out->objective = glp_get_obj_coef(m->lp, 0);
            for (int j = 1; j <= glp_get_num_cols(m->lp); j++)
                out->objective += glp_get_obj_coef(m->lp, j) * m->warm[j];
            return GP_OK;
        }
    }
    if (cuts) {
        io.mir_cuts = GLP_ON;
        io.gmi_cuts = GLP_ON;
        io.cov_cuts = GLP_ON;
    }
    io.tm_lim = time_limit > 0 ? (int)fmax(1, fmin((time_limit - (gp_now() - t0)) * 1000, 2e9)) : INT32_MAX;
    io.mip_gap = gap_tol;
    m->bound = -DBL_MAX;
    io.cb_func = mip_cb;
    io.cb_info = m;
    int rc = glp_intopt(m->lp, &io);
    int ms = glp_mip_status(m->lp);
    out->seconds = gp_now() - t0;
    if (rc != 0 && rc != GLP_ETMLIM && rc != GLP_EMIPGAP && rc != GLP_ENOPFS && rc != GLP_ENODFS)
        return gp_fail(ctx, GP_ERR_SOLVER, "GLPK could not solve the integer program (glp_intopt code %d)", rc);
    if (ms != GLP_OPT && ms != GLP_FEAS && m->warm && rc == GLP_ETMLIM) {
        m->use_warm = true; /* GLPK did not take the start: keep it */
        out->status = GP_CS_TIME_LIMIT;
        out->objective = glp_get_obj_coef(m->lp, 0);
        for (int j = 1; j <= glp_get_num_cols(m->lp); j++)
            out->objective += glp_get_obj_coef(m->lp, j) * m->warm[j];
        double g = m->bound > -DBL_MAX && fabs(out->objective) > 1e-12
                 ? (out->objective - m->bound) / fabs(out->objective) : NAN;
        out->gap = isfinite(g) ? fmax(g, 0) : NAN;
        return GP_OK;
    }
    if (ms != GLP_OPT && ms != GLP_FEAS) {
        /* no solution: proven when the search ran to its end */
        out->proven_infeasible = rc != GLP_ETMLIM;
        return GP_OK;
    }
    double bound = m->bound;
    out->objective = glp_mip_obj_val(m->lp);
    double g = bound > -DBL_MAX && fabs(out->objective) > 1e-12 ? (out->objective - bound) / fabs(out->objective)
             : bound > -DBL_MAX ? 0 : NAN;
    if (rc == 0) { /* the tree was searched to its end */
        out->status = GP_CS_OPTIMAL;
        out->gap = 0;
    } else if (rc == GLP_EMIPGAP) { /* stopped at the relative gap asked for */
        out->status = GP_CS_OPTIMAL;
        out->gap = isfinite(g) ? fmin(fmax(g, 0), gap_tol) : gap_tol;
    } else {
        out->status = GP_CS_TIME_LIMIT;
        out->gap = isfinite(g) ? fmax(g, 0) : NAN;
    }
    return GP_OK;
}

/* Frees m and what it holds; NULL does nothing. */
static void mip_free(mip *m)
{
    if (!m)
        return;
    if (m->lp)
        glp_delete_prob(m->lp);
    free(m->ia), free(m->ja), free(m->ar), free(m->warm);
    free(m);
}

/* ---- the roster in the plan in force ------------------------------------ */

void gp_workers_free(gp_dataset *ds)
{
    for (int i = 0; i < ds->n_workers; i++) {
        gp_worker *w = &ds->workers[i];
        free(w->id), free(w->name), free(w->cur_text), free(w->cur);
        gp_ivec_free(&w->grids);
    }
    free(ds->workers);
    ds->workers = NULL;
    ds->n_workers = 0;
}

static bool count_is_workers(const gp_scenario *sc)
{
    return strcmp(gp_scn_str(sc, "grid", "count", "auto"), "workers") == 0;
}

/* Seconds for each of the worker programs (allocation, one community's
 * assignment). */
static double workers_time_limit(const gp_scenario *sc)
{
    return gp_scn_num(sc, "workers", "time_limit", gp_scn_num(sc, "solver", "time_limit", 60));
}

/* Grids from FTE under count = workers: one per whole FTE, at least one. */
static int grids_for_fte(double fte)
{
    int k = (int)floor(fte + 1e-9);
    return k < 1 ? 1 : k;
}

gp_status gp_workers_prepare(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds)
{
    if (!ds->has_workers)
        return GP_OK;
    for (int c = 0; c < ds->n_comms; c++) {
        gp_community *cm = &ds->comms[c];
        cm->work = cm->fte0 = cm->fte1 = 0;
        cm->n_workers = 0;
        cm->wstatus = GP_CS_PENDING;
        cm->wobjective = cm->wgap = NAN;
    }
    for (int i = 0; i < ds->n_atoms; i++)
        ds->comms[ds->atoms[i].community].work += ds->atoms[i].v[GP_A_WORK];
    double fte = 0, work = 0, pool = 0;
    for (int i = 0; i < ds->n_workers; i++) {
        gp_worker *w = &ds->workers[i];
        if (w->home >= 0) {
            ds->comms[w->home].fte0 += w->fte;
            ds->comms[w->home].n_workers++;
        } else {
            pool += w->fte;
        }
        fte += w->fte;
    }
    for (int c = 0; c < ds->n_comms; c++) {
        ds->comms[c].fte1 = ds->comms[c].fte0;
        work += ds->comms[c].work;
    }
    if (fte <= 0)
        return gp_fail(ctx, GP_ERR_INPUT, "%s: every worker has 0 FTE: give the workers their capacity "
                       "([input] workers.fte, 1.0 full-time)", ds->in_workers.path);
    /* each existing grid's workload, shared by the workers who hold it in
     * proportion to their FTE */
    int ne = ds->n_existing;
    double *ew = calloc((size_t)(ne ? ne : 1), sizeof *ew), *ef = calloc((size_t)(ne ? ne : 1), sizeof *ef);
    int *en = calloc((size_t)(ne ? ne : 1), sizeof *en);
    if (!ew || !ef || !en) {
        free(ew), free(ef), free(en);
        return GP_ERR_NOMEM;
    }
    for (int i = 0; i < ds->n_atoms; i++)
        if (ds->atoms[i].existing >= 0)
            ew[ds->atoms[i].existing] += ds->atoms[i].v[GP_A_WORK];
    for (int i = 0; i < ds->n_workers; i++)
        for (int k = 0; k < ds->workers[i].n_cur; k++) {
            ef[ds->workers[i].cur[k]] += ds->workers[i].fte;
            en[ds->workers[i].cur[k]]++;
        }
    for (int i = 0; i < ds->n_workers; i++) {
        gp_worker *w = &ds->workers[i];
        w->load0 = 0;
        for (int k = 0; k < w->n_cur; k++) {
            int e = w->cur[k];
            w->load0 += ef[e] > 0 ? ew[e] * w->fte / ef[e] : ew[e] / en[e];
        }
    }
    free(ew), free(ef), free(en);
    ds->capacity = gp_scn_num(sc, "workers", "capacity", NAN);
    if (!isfinite(ds->capacity))
        ds->capacity = work > 0 ? 1.25 * work / fte : 1; /* no workload: any capacity holds */
    ds->roster_reason[0] = '\0';
    if (work > ds->capacity * fte * (1 + 1e-9)) {
        double short_by = work - ds->capacity * fte;
        snprintf(ds->roster_reason, sizeof ds->roster_reason, "the roster's %.1f FTE carry %.0f workload at %.0f "
                 "per FTE ([workers] capacity), but the grids need %.0f: short by %.0f workload (%.1f FTE): add "
                 "workers or raise [workers] capacity", fte, ds->capacity * fte, ds->capacity, work, short_by,
                 short_by / ds->capacity);
        gp_log(ctx, GP_LOG_WARN, "%s: %s", ds->in_workers.path, ds->roster_reason);
    }
    bool allocate = strcmp(gp_scn_str(sc, "workers", "allocate", "no"), "yes") == 0;
    if (pool > 0 && !allocate)
        gp_log(ctx, GP_LOG_WARN, "%s: %.1f FTE of workers have no community and stay unused: give their "
               "community or set [workers] allocate = yes", ds->in_workers.path, pool);
    if (count_is_workers(sc))
        for (int c = 0; c < ds->n_comms; c++)
            ds->comms[c].k_workers = grids_for_fte(ds->comms[c].fte0);
    gp_log(ctx, GP_LOG_INFO, "roster: %d workers, %.1f FTE, workload %.0f (%.0f per FTE), capacity %.0f per FTE",
           ds->n_workers, fte, work, work / fte, ds->capacity);
    return GP_OK;
}

/* Centre of community c (its area centroid), for travel costs. */
static void comm_centre(gp_ctx *ctx, const gp_community *cm, double *x, double *y)
{
    *x = *y = NAN;
    GEOSGeometry *ct = cm->geom ? GEOSGetCentroid_r(ctx->geos, cm->geom) : NULL;
    if (ct) {
        GEOSGeomGetX_r(ctx->geos, ct, x);
        GEOSGeomGetY_r(ctx->geos, ct, y);
        GEOSGeom_destroy_r(ctx->geos, ct);
    }
}

/* ---- head-count allocation ------------------------------------------------ */

/* Movable workers fall into classes of equals (home, FTE, whether they
 * hold grids today): the program decides how many of each class go where,
 * which has none of the symmetry of one variable per person. */
typedef struct wclass { int home; double fte; bool has_cur; int size; } wclass;

gp_status gp_workers_allocate(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds, const int *kmin,
                              const int *kmax, const int *k)
{
    if (!ds->has_workers || strcmp(gp_scn_str(sc, "workers", "allocate", "no"), "yes") != 0)
        return GP_OK;
    int nc = ds->n_comms, nw = ds->n_workers;
    double flo = 1, fhi = INFINITY;
    gp_scn_range(sc, "workers", "community_fte", &flo, &fhi);
    if (!isfinite(flo))
        flo = 0;
    long max_tr = (long)gp_scn_num(sc, "workers", "max_transfers", -1);
    int gpw = (int)gp_scn_num(sc, "workers", "grids_per_worker", 1);
    double plo = 1, phi;
    const char *pg = gp_scn_str(sc, "workers", "per_grid", "1..");
    if (!gp_parse_double(pg, &plo) && !gp_parse_range(pg, &plo, &phi))
        plo = 1;
    bool by_workers = count_is_workers(sc) && !k;
    double fte = 0, work = 0;
    for (int i = 0; i < nw; i++)
        fte += ds->workers[i].fte;
    for (int c = 0; c < nc; c++)
        work += ds->comms[c].work;
    ds->allocated = true;
    ds->alloc_status = GP_CS_INFEASIBLE;
    ds->alloc_objective = ds->alloc_gap = NAN;
    ds->n_transfers = 0;
    if (flo * nc > fte + 1e-9) {
        snprintf(ds->alloc_reason, sizeof ds->alloc_reason, "[workers] community_fte asks at least %g FTE in each "
                 "of %d communities (%g in all) but the roster has %.1f: lower the minimum or add workers", flo, nc,
                 flo * nc, fte);
        gp_log(ctx, GP_LOG_WARN, "allocation: %s", ds->alloc_reason);
        return GP_OK;
    }
    size_t ncs = (size_t)(nc ? nc : 1), nws = (size_t)(nw ? nw : 1);
    double *cx = malloc(ncs * sizeof *cx), *cy = malloc(ncs * sizeof *cy);
    double *fixf = calloc(ncs, sizeof *fixf), *fixh = calloc(ncs, sizeof *fixh);
    int *kcol = calloc(ncs, sizeof *kcol), *cls = malloc(nws * sizeof *cls);
    wclass *cl = calloc(nws, sizeof *cl);
    int *n = NULL, *placed = NULL, ncl = 0;
    mip *m = calloc(1, sizeof *m); /* on the heap: it changes after setjmp */
    gp_status st = GP_OK;
    if (!m || !cx || !cy || !fixf || !fixh || !kcol || !cls || !cl) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    for (int c = 0; c < nc; c++)
        comm_centre(ctx, &ds->comms[c], &cx[c], &cy[c]);
    for (int i = 0; i < nw; i++) {
        const gp_worker *w = &ds->workers[i];
        cls[i] = -1;
        if (w->fte <= 0 || w->locked) {
            if (w->home >= 0) {
                fixf[w->home] += w->fte;
                fixh[w->home] += w->fte > 0;
            }
            continue;
        }
        int q = 0;
        while (q < ncl && !(cl[q].home == w->home && cl[q].fte == w->fte && cl[q].has_cur == (w->n_cur > 0)))
            q++;
        if (q == ncl)
            cl[ncl++] = (wclass){w->home, w->fte, w->n_cur > 0, 0};
        cl[q].size++;
        cls[i] = q;
    }
    n = calloc((size_t)(ncl ? ncl : 1) * ncs, sizeof *n);
    placed = calloc(nws, sizeof *placed);
    if (!n || !placed) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    jmp_buf jb;
    gp_glpk_hooks_install(ctx, &jb);
    if (setjmp(jb) != 0) {
        gp_glpk_hooks_remove();
        m->lp = NULL; /* freed with GLPK's environment */
        st = gp_fail(ctx, GP_ERR_SOLVER, "allocation: GLPK failed: %s", ctx->errmsg);
        goto out;
    }
    m->lp = glp_create_prob();
    glp_set_obj_dir(m->lp, GLP_MIN);
    /* n[q,c]: how many workers of class q serve community c; a move costs
     * a little, so that among equally even allocations fewer people move,
     * spare workers first, and to nearer communities */
    for (int q = 0; q < ncl; q++)
        for (int c = 0; c < nc; c++) {
            double cost = 0;
            if (c != cl[q].home && cl[q].home >= 0) {
                double d = isfinite(cx[c]) && isfinite(cx[cl[q].home])
                         ? hypot(cx[c] - cx[cl[q].home], cy[c] - cy[cl[q].home]) / 1000 : 0;
                cost = 1e-3 * (1 + cl[q].has_cur + d / 10);
            }
            n[q * nc + c] = icol_add(m, 0, cl[q].size, cost);
        }
    /* evenness: sum over communities of (F - t)^2 / t, F the community's
     * FTE and t its even share, as a convex piecewise-linear cost in steps
     * of the roster's FTE grain (an LP relaxation close to integral) */
    double grain = 0.5;
    for (int q = 0; q < ncl; q++)
        if (fabs(cl[q].fte / 0.5 - round(cl[q].fte / 0.5)) > 1e-9)
            grain = 0.1;
    for (int q = 0; q < ncl; q++)
        if (fabs(cl[q].fte / grain - round(cl[q].fte / grain)) > 1e-9)
            grain = 0.01;
    double movable = 0;
    for (int q = 0; q < ncl; q++)
        movable += cl[q].fte * cl[q].size;
    for (int q = 0; q < ncl; q++) {
        int r = row_add(m, cl[q].size, cl[q].size);
        for (int c = 0; c < nc; c++)
            coef(m, r, n[q * nc + c], 1);
    }
    for (int c = 0; c < nc; c++) {
        const gp_community *cm = &ds->comms[c];
        double t = work > 0 ? cm->work / work * fte : fte / nc; /* the even share */
        /* steps up to where the cost is far above what staying as today
         * would cost: never optimal beyond, and today's FTE stay allowed */
        double top = fmin(movable, fhi - fixf[c]);
        top = fmin(top, fmax(2 * t + 5, cm->fte0 - fixf[c] + 1));
        double g = grain;
        while (top / g > 2000)
            g *= 2;
        int r = row_add(m, flo - fixf[c], fhi - fixf[c]);
        int rd = row_add(m, 0, 0); /* sum of steps = movable FTE here */
        for (int q = 0; q < ncl; q++) {
            coef(m, r, n[q * nc + c], cl[q].fte);
            coef(m, rd, n[q * nc + c], cl[q].fte);
        }
        double tt = fmax(t, 0.1); /* a community without workload: F^2 / 0.1 */
        /* the steps price F above fixf: the constant makes the objective
         * the sum itself */
        glp_set_obj_coef(m->lp, 0, glp_get_obj_coef(m->lp, 0) + (fixf[c] - t) * (fixf[c] - t) / tt);
        for (double a = 0; a < top - 1e-12; a += g) {
            double b = fmin(a + g, top), fa = fixf[c] + a - t, fb = fixf[c] + b - t;
            int col = col_add(m, 0, b - a, (fb * fb - fa * fa) / tt / (b - a), false);
            coef(m, rd, col, -1);
        }
        if (by_workers) {
            /* k = floor(FTE) grids, within the counts the bounds allow */
            bool known = kmin && kmax && kmin[c] >= 1 && kmax[c] >= kmin[c];
            int lo = known ? kmin[c] : 1, hi = known ? kmax[c] : INT32_MAX / 2;
            kcol[c] = icol_add(m, lo, hi, 0);
            int rk = row_add(m, -fixf[c], 1 - 1e-3 - fixf[c]);
            for (int q = 0; q < ncl; q++)
                coef(m, rk, n[q * nc + c], cl[q].fte);
            coef(m, rk, kcol[c], -1);
        } else if (k && k[c] > 0) {
            /* enough heads for every grid: soft, so that a short roster
             * still gets the most even allocation (the assignment then
             * says what is missing) */
            int sl = col_add(m, 0, INFINITY, 10, false);
            int rs = row_add(m, k[c] * plo - gpw * fixh[c], INFINITY);
            for (int q = 0; q < ncl; q++)
                coef(m, rs, n[q * nc + c], gpw);
            coef(m, rs, sl, 1);
        }
    }
    if (max_tr >= 0) {
        int r = row_add(m, -INFINITY, (double)max_tr);
        for (int q = 0; q < ncl; q++)
            for (int c = 0; c < nc; c++)
                if (cl[q].home >= 0 && c != cl[q].home)
                    coef(m, r, n[q * nc + c], 1);
    }
    mip_out mo;
    double tl = workers_time_limit(sc);
    st = mip_solve(ctx, m, tl, gp_scn_num(sc, "solver", "gap", 1e-4), true, &mo);
    ds->alloc_seconds = mo.seconds;
    if (!st && mo.status != GP_CS_INFEASIBLE) {
        ds->alloc_status = mo.status;
        ds->alloc_objective = mo.objective;
        ds->alloc_gap = mo.gap;
        /* who moves: for each class and destination, the members whose
         * base is nearest to it (roster order on ties); the rest stay */
        for (int q = 0; q < ncl; q++)
            for (int c = 0; c < nc; c++) {
                if (c == cl[q].home)
                    continue;
                long cnt = lround(mip_val(m, n[q * nc + c]));
                for (long t = 0; t < cnt; t++) {
                    int best = -1;
                    double bd = INFINITY;
                    for (int i = 0; i < nw; i++) {
                        const gp_worker *w = &ds->workers[i];
                        if (cls[i] != q || placed[i])
                            continue;
                        double d = w->has_base && isfinite(cx[c]) ? hypot(w->bx - cx[c], w->by - cy[c]) : DBL_MAX;
                        if (best < 0 || d < bd)
                            best = i, bd = d;
                    }
                    if (best >= 0) {
                        placed[best] = 1;
                        ds->workers[best].comm = c;
                    }
                }
            }
        for (int c = 0; c < nc; c++) {
            ds->comms[c].fte1 = 0;
            ds->comms[c].n_workers = 0;
        }
        for (int i = 0; i < nw; i++) {
            gp_worker *w = &ds->workers[i];
            if (!placed[i])
                w->comm = w->home;
            if (w->comm >= 0) {
                ds->comms[w->comm].fte1 += w->fte;
                ds->comms[w->comm].n_workers++;
            }
            ds->n_transfers += w->home >= 0 && w->comm != w->home;
        }
        for (int c = 0; by_workers && c < nc; c++)
            ds->comms[c].k_workers = (int)lround(mip_val(m, kcol[c]));
        double dev = 0;
        for (int c = 0; c < nc; c++) {
            double t = work > 0 ? ds->comms[c].work / work * fte : fte / nc;
            if (t > 0)
                dev = fmax(dev, fabs(ds->comms[c].fte1 - t) / t);
        }
        gp_log(ctx, GP_LOG_INFO, "allocation: %d transfers, largest deviation from the even share %.1f%% (%s, "
               "gap %.2g, %.2f s)", ds->n_transfers, 100 * dev, gp_comm_status_name(mo.status), mo.gap, mo.seconds);
    } else if (!st && !mo.proven_infeasible) {
        snprintf(ds->alloc_reason, sizeof ds->alloc_reason, "GLPK found no allocation in the time limit: raise "
                 "[solver] time_limit");
        gp_log(ctx, GP_LOG_WARN, "allocation: %s; the roster's communities are kept", ds->alloc_reason);
    } else if (!st) {
        snprintf(ds->alloc_reason, sizeof ds->alloc_reason, "no allocation of the %d workers meets [workers] "
                 "community_fte = %g..%g%s%s: widen the range, allow more transfers or unlock workers", nw, flo,
                 fhi, max_tr >= 0 ? " within [workers] max_transfers" : "",
                 by_workers ? " and gives each community a whole number of FTE within the grid counts its bounds "
                 "allow" : "");
        gp_log(ctx, GP_LOG_WARN, "allocation: %s; the roster's communities are kept", ds->alloc_reason);
    }
    gp_glpk_hooks_remove();
out:
    mip_free(m);
    free(cx), free(cy), free(fixf), free(fixh), free(kcol), free(cls), free(cl), free(n), free(placed);
    return st;
}

/* ---- assignment of named workers to grids ------------------------------- */

/* Everything one community's assignment reads. */
typedef struct assign_in {
    int *w, nw;                  /* worker indexes */
    int *g, ng;                  /* plan grid indexes */
    double *ov;                  /* nw x ng: share of grid g's households that worker w held */
    double *dist;                /* nw x ng: metres from base to grid centre, NAN: no base */
} assign_in;

/* A first assignment for GLPK to start from, and the answer when GLPK finds
 * nothing better in time (it always exists):
 * 1. locked workers on their grids;
 * 2. heaviest grid first, the workers a grid still needs: one who held
 *    most of its households, else the one with the most spare capacity
 *    against their fair share; a grid nobody can take goes to "nobody";
 * 3. while some worker is idle or well below the others, they join the
 *    grid whose workers are most loaded per FTE (within per_grid and
 *    grids_per_worker);
 * 4. every grid's workload is split between its workers by water-filling,
 *    so that their loads per FTE come out as level as the grids allow.
 * Columns as in assign_one; NULL when out of memory. */
typedef struct assign_cols {
    const int *x, *y, *o;
    int rmax, rmin, ncols;
} assign_cols;

typedef struct greedy {
    int nw, ng;
    const double *fte, *wg;
    char *sel;                   /* nw x ng */
    double *y;                   /* nw x ng: shares */
    double *load;                /* nw */
} greedy;

/* Splits grid b's workload between its workers so that (other load +
 * share) / FTE is level where possible (bisection on the level). */
static void water_fill(greedy *G, int b)
{
    int nw = G->nw, ng = G->ng;
    double hi = 0;
    for (int a = 0; a < nw; a++)
        if (G->sel[a * ng + b]) {
            G->load[a] -= G->y[a * ng + b];
            G->y[a * ng + b] = 0;
            hi = fmax(hi, (G->load[a] + G->wg[b]) / G->fte[a]);
        }
    double lo = 0;
    for (int it = 0; it < 60; it++) {
        double mid = (lo + hi) / 2, sum = 0;
        for (int a = 0; a < nw; a++)
            if (G->sel[a * ng + b])
                sum += fmax(0, mid * G->fte[a] - G->load[a]);
        if (sum < G->wg[b])
            lo = mid;
        else
            hi = mid;
    }
    double sum = 0;
    for (int a = 0; a < nw; a++)
        if (G->sel[a * ng + b])
            sum += fmax(0, hi * G->fte[a] - G->load[a]);
    for (int a = 0; a < nw; a++)
        if (G->sel[a * ng + b]) {
            double v = sum > 0 ? fmax(0, hi * G->fte[a] - G->load[a]) * G->wg[b] / sum : 0;
            G->y[a * ng + b] = v;
            G->load[a] += v;
        }
}

static double *assign_start(const gp_dataset *ds, const assign_in *in, const double *wg, const int *lock_g,
                            double plo, double phi, int gpw, const assign_cols *col)
{
    int nw = in->nw, ng = in->ng;
    size_t nn = (size_t)nw * (size_t)ng + 1;
    double *warm = calloc((size_t)col->ncols + 1, sizeof *warm);
    greedy G = {nw, ng, NULL, wg, calloc(nn, 1), calloc(nn, sizeof(double)), calloc((size_t)nw + 1, sizeof(double))};
    double *fte = malloc(((size_t)nw + 1) * sizeof *fte);
    int *cnt = calloc((size_t)nw + 1, sizeof *cnt), *nwk = calloc((size_t)ng + 1, sizeof *nwk);
    int *ord = malloc(((size_t)ng + 1) * sizeof *ord);
    bool *nobody = calloc((size_t)ng + 1, sizeof *nobody);
    if (!warm || !G.sel || !G.y || !G.load || !fte || !cnt || !nwk || !ord || !nobody) {
        free(warm), free(G.sel), free(G.y), free(G.load), free(fte), free(cnt), free(nwk), free(ord), free(nobody);
        return NULL;
    }
    G.fte = fte;
    double ftot = 0, wtot = 0;
    for (int a = 0; a < nw; a++)
        ftot += fte[a] = ds->workers[in->w[a]].fte;
    for (int b = 0; b < ng; b++)
        wtot += wg[b];
    double rho = ftot > 0 ? wtot / ftot : 0; /* the fair load per FTE */
    for (int a = 0; a < nw; a++)
        if (lock_g[a] >= 0) {
            G.sel[a * ng + lock_g[a]] = 1;
            cnt[a]++;
            nwk[lock_g[a]]++;
            G.load[a] += wg[lock_g[a]] / plo;
        }
    for (int b = 0; b < ng; b++)
        ord[b] = b;
    for (int i = 1; i < ng; i++) /* heaviest first (insertion sort: stable) */
        for (int k = i; k > 0 && wg[ord[k]] > wg[ord[k - 1]]; k--) {
            int t = ord[k];
            ord[k] = ord[k - 1];
            ord[k - 1] = t;
        }
    for (int i = 0; i < ng; i++) {
        int b = ord[i];
        while (nwk[b] < plo) {
            int best = -1;
            double bk = -INFINITY;
            for (int a = 0; a < nw; a++) {
                if (cnt[a] >= gpw || G.sel[a * ng + b])
                    continue;
                double k = (in->ov[a * ng + b] >= 0.5 ? 1e6 : 0) + rho * fte[a] - G.load[a];
                if (k > bk)
                    bk = k, best = a;
            }
            if (best < 0)
                break;
            G.sel[best * ng + b] = 1;
            cnt[best]++;
            nwk[b]++;
            G.load[best] += wg[b] / plo;
        }
    }
    for (int b = 0; b < ng; b++)
        if (nwk[b] < plo) { /* cannot be staffed: nobody, and no one else */
            nobody[b] = true;
            for (int a = 0; a < nw; a++)
                if (G.sel[a * ng + b] && lock_g[a] != b) {
                    G.sel[a * ng + b] = 0;
                    cnt[a]--;
                    nwk[b]--;
                }
        }
    for (int a = 0; a < nw; a++)
        G.load[a] = 0;
    for (int b = 0; b < ng; b++)
        if (!nobody[b])
            water_fill(&G, b);
    /* idle or light workers join the most loaded grids */
    for (int round = 0; round < 2 * nw; round++) {
        int a = -1;
        double la = INFINITY;
        for (int k = 0; k < nw; k++)
            if (cnt[k] < gpw && G.load[k] / fte[k] < 0.9 * rho && G.load[k] / fte[k] < la)
                la = G.load[k] / fte[k], a = k;
        if (a < 0)
            break;
        int best = -1;
        double bl = 0;
        for (int b = 0; b < ng; b++) {
            if (nobody[b] || G.sel[a * ng + b] || nwk[b] + 1 > phi)
                continue;
            double l = 0;
            for (int k = 0; k < nw; k++)
                if (G.sel[k * ng + b])
                    l = fmax(l, G.load[k] / fte[k]);
            if (l > bl)
                bl = l, best = b;
        }
        if (best < 0 || bl <= la * 1.05)
            break;
        G.sel[a * ng + best] = 1;
        cnt[a]++;
        nwk[best]++;
        water_fill(&G, best);
    }
    for (int pass = 0; pass < 3; pass++)
        for (int b = 0; b < ng; b++)
            if (!nobody[b])
                water_fill(&G, b);
    double rmax = 0, rmin = INFINITY;
    for (int b = 0; b < ng; b++) {
        if (nobody[b]) {
            warm[col->x[nw * ng + b]] = 1;
            warm[col->y[nw * ng + b]] = wg[b];
        }
        for (int a = 0; a < nw; a++)
            if (G.sel[a * ng + b]) {
                warm[col->x[a * ng + b]] = 1;
                warm[col->y[a * ng + b]] = G.y[a * ng + b];
            }
    }
    for (int a = 0; a < nw; a++) {
        warm[col->o[a]] = fmax(0, G.load[a] - fte[a]);
        rmax = fmax(rmax, G.load[a] / fte[a]);
        rmin = fmin(rmin, G.load[a] / fte[a]);
    }
    warm[col->rmax] = rmax;
    warm[col->rmin] = isfinite(rmin) ? rmin : 0;
    free(G.sel), free(G.y), free(G.load), free(fte), free(cnt), free(nwk), free(ord), free(nobody);
    return warm;
}

static gp_status assign_one(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds, gp_plan *plan, int c,
                            const assign_in *in)
{
    gp_community *cm = &ds->comms[c];
    int nw = in->nw, ng = in->ng;
    double plo = 1, phi = INFINITY;
    const char *pg = gp_scn_str(sc, "workers", "per_grid", "1..");
    if (!gp_parse_double(pg, &plo) ? !gp_parse_range(pg, &plo, &phi) : (phi = plo, false))
        plo = 1, phi = INFINITY;
    int gpw = (int)gp_scn_num(sc, "workers", "grids_per_worker", 1);
    double wb = gp_scn_num(sc, "workers", "balance", 1), wc = gp_scn_num(sc, "workers", "continuity", 1),
           wt = gp_scn_num(sc, "workers", "travel", 0.1);
    double cap = ds->capacity, fte = 0;
    for (int a = 0; a < nw; a++)
        fte += ds->workers[in->w[a]].fte;
    double rho = fte > 0 ? cm->work / fte / cap : 1; /* community's mean load per FTE, in capacity units */
    if (!(rho > 0))
        rho = 1;
    mip *m = calloc(1, sizeof *m); /* on the heap: it changes after setjmp */
    int *x = malloc((size_t)(nw + 1) * (size_t)ng * sizeof *x), *y = malloc((size_t)(nw + 1) * (size_t)ng * sizeof *y);
    int *o = malloc((size_t)(nw ? nw : 1) * sizeof *o), *lock_g = malloc((size_t)(nw ? nw : 1) * sizeof *lock_g);
    double *wg = malloc((size_t)ng * sizeof *wg);
    gp_status st = GP_OK;
    if (!m || !x || !y || !o || !lock_g || !wg) {
        free(x), free(y), free(o), free(m), free(lock_g), free(wg);
        return GP_ERR_NOMEM;
    }
    jmp_buf jb;
    gp_glpk_hooks_install(ctx, &jb);
    if (setjmp(jb) != 0) {
        gp_glpk_hooks_remove();
        m->lp = NULL;
        free(x), free(y), free(o), free(lock_g), free(wg);
        mip_free(m);
        return gp_fail(ctx, GP_ERR_SOLVER, "community '%s': worker assignment: GLPK failed: %s", cm->id, ctx->errmsg);
    }
    m->lp = glp_create_prob();
    glp_set_obj_dir(m->lp, GLP_MIN);
    /* row nw of x / y is "nobody": a grid left unstaffed, at a cost above
     * any overload, so that every grid that can have a worker gets one */
    for (int a = 0; a <= nw; a++)
        for (int b = 0; b < ng; b++) {
            double cost;
            if (a == nw) {
                cost = 1e7; /* an unstaffed grid is the worst outcome */
            } else {
                double d = in->dist[a * ng + b];
                cost = wc * (1 - in->ov[a * ng + b]) + (isfinite(d) ? wt * d / 1000 : 0) + 0.01;
            }
            x[a * ng + b] = col_add(m, 0, 1, cost, true);
            y[a * ng + b] = col_add(m, 0, INFINITY, 0, false);
        }
    int rmax = col_add(m, 0, INFINITY, wb / rho, false), rmin = col_add(m, 0, INFINITY, -wb / rho, false);
    for (int b = 0; b < ng; b++)
        wg[b] = plan->grids[in->g[b]].v[GP_A_WORK] / cap;
    for (int b = 0; b < ng; b++) {
        int rs = row_add(m, plo, nw >= 1 ? phi : INFINITY);
        int rw = row_add(m, wg[b], wg[b]);
        for (int a = 0; a <= nw; a++) {
            coef(m, rs, x[a * ng + b], a == nw ? plo : 1);
            coef(m, rw, y[a * ng + b], 1);
            int r = row_add(m, -INFINITY, 0); /* no share without the grid */
            coef(m, r, y[a * ng + b], 1);
            coef(m, r, x[a * ng + b], -wg[b]);
            if (a < nw) { /* an unstaffed grid has nobody at all */
                int rx = row_add(m, -INFINITY, 1);
                coef(m, rx, x[a * ng + b], 1);
                coef(m, rx, x[nw * ng + b], 1);
            }
        }
    }
    for (int a = 0; a < nw; a++) {
        const gp_worker *w = &ds->workers[in->w[a]];
        o[a] = col_add(m, 0, INFINITY, 1e4, false); /* over capacity: a last resort */
        int rg = row_add(m, -INFINITY, gpw), rc = row_add(m, -INFINITY, w->fte);
        int r1 = row_add(m, 0, INFINITY), r2 = row_add(m, 0, INFINITY);
        for (int b = 0; b < ng; b++) {
            coef(m, rg, x[a * ng + b], 1);
            coef(m, rc, y[a * ng + b], 1);
            coef(m, r1, y[a * ng + b], -1);
            coef(m, r2, y[a * ng + b], 1);
        }
        coef(m, rc, o[a], -1);
        coef(m, r1, rmax, w->fte);
        coef(m, r2, rmin, -w->fte);
        lock_g[a] = -1;
        if (w->locked) {
            /* a locked worker keeps the grid that holds most of theirs */
            int best = -1;
            for (int b = 0; b < ng; b++)
                if (in->ov[a * ng + b] > 0 && (best < 0 || in->ov[a * ng + b] > in->ov[a * ng + best]))
                    best = b;
            if (best >= 0)
                glp_set_col_bnds(m->lp, x[a * ng + best], GLP_FX, 1, 1);
            lock_g[a] = best;
        }
    }
    assign_cols cols = {x, y, o, rmax, rmin, glp_get_num_cols(m->lp)};
    m->warm = assign_start(ds, in, wg, lock_g, plo, phi, gpw, &cols);
    if (!m->warm) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    mip_out mo;
    st = mip_solve(ctx, m, workers_time_limit(sc), gp_scn_num(sc, "solver", "gap", 1e-4), false, &mo);
    cm->wseconds = mo.seconds;
    cm->wobjective = mo.objective;
    cm->wgap = mo.gap;
    cm->wstatus = mo.status;
    if (st || mo.status == GP_CS_INFEASIBLE) {
        if (!st)
            snprintf(cm->wreason, sizeof cm->wreason, "%s", mo.proven_infeasible
                     ? "no assignment meets [workers] per_grid and grids_per_worker with the locked workers: unlock "
                       "a worker or widen per_grid"
                     : "GLPK found no assignment in the time limit: raise [solver] time_limit");
        goto out;
    }
    int unstaffed = 0, over = 0;
    char grids_txt[160] = "", over_txt[200] = "";
    double over_sum = 0;
    for (int b = 0; b < ng; b++) {
        gp_grid *gr = &plan->grids[in->g[b]];
        if (mip_val(m, x[nw * ng + b]) > 0.5) {
            if (unstaffed++ < 3)
                snprintf(grids_txt + strlen(grids_txt), sizeof grids_txt - strlen(grids_txt), "%s%s",
                         unstaffed > 1 ? ", " : "", gr->id);
            continue;
        }
        size_t len = 0;
        for (int a = 0; a < nw; a++)
            if (mip_val(m, x[a * ng + b]) > 0.5)
                len += strlen(ds->workers[in->w[a]].id) + 1;
        free(gr->workers);
        gr->workers = calloc(len + 1, 1);
        if (!gr->workers) {
            st = GP_ERR_NOMEM;
            goto out;
        }
        for (int a = 0; a < nw; a++)
            if (mip_val(m, x[a * ng + b]) > 0.5) {
                if (gr->workers[0])
                    strcat(gr->workers, ";");
                strcat(gr->workers, ds->workers[in->w[a]].id);
            }
    }
    for (int a = 0; a < nw; a++) {
        gp_worker *w = &ds->workers[in->w[a]];
        w->load = 0;
        w->travel = w->has_base ? 0 : NAN;
        for (int b = 0; b < ng; b++)
            if (mip_val(m, x[a * ng + b]) > 0.5) {
                if (!gp_ivec_push(&w->grids, in->g[b])) {
                    st = GP_ERR_NOMEM;
                    goto out;
                }
                w->load += mip_val(m, y[a * ng + b]) * cap;
                if (w->has_base)
                    w->travel += in->dist[a * ng + b];
            }
        if (w->load > w->fte * cap * (1 + 1e-6)) {
            over_sum += w->load - w->fte * cap;
            if (over++ < 3)
                snprintf(over_txt + strlen(over_txt), sizeof over_txt - strlen(over_txt), "%s%s %.0f of %.0f",
                         over > 1 ? ", " : "", w->id, w->load, w->fte * cap);
        }
    }
    if (unstaffed) {
        cm->wstatus = GP_CS_INFEASIBLE;
        int need = ng * (int)plo, have = nw * gpw;
        snprintf(cm->wreason, sizeof cm->wreason, "%d of %d grids have no worker (%s%s): the community has %d "
                 "workers (%.1f FTE) serving at most %d grid%s each, and each grid needs %g: add %d worker%s, allow "
                 "[workers] grids_per_worker = %d, set [grid] count = workers, or move workers here with [workers] "
                 "allocate = yes", unstaffed, ng, grids_txt, unstaffed > 3 ? ", ..." : "", nw, fte, gpw,
                 gpw == 1 ? "" : "s", plo, (need - have + gpw - 1) / gpw > 0 ? (need - have + gpw - 1) / gpw : 1,
                 (need - have + gpw - 1) / gpw > 1 ? "s" : "", gpw + 1);
    } else if (over) {
        cm->wstatus = GP_CS_INFEASIBLE;
        double short_fte = (cm->work - fte * cap) / cap;
        snprintf(cm->wreason, sizeof cm->wreason, "%d worker%s over capacity (%s%s; capacity %.0f per FTE): %s",
                 over, over > 1 ? "s are" : " is", over_txt, over > 3 ? ", ..." : "", cap,
                 short_fte > 0 ? "the community's workload exceeds its workers' capacity; move workers here "
                 "([workers] allocate = yes), add workers or raise [workers] capacity"
                 : "no split of the grids fits their capacities; allow [workers] grids_per_worker or per_grid "
                   "sharing, or raise [workers] capacity");
        if (short_fte > 0)
            snprintf(cm->wreason + strlen(cm->wreason), sizeof cm->wreason - strlen(cm->wreason),
                     " (short by %.1f FTE)", short_fte);
    }
    (void)over_sum;
out:
    gp_glpk_hooks_remove();
    mip_free(m);
    free(x), free(y), free(o), free(lock_g), free(wg);
    return st;
}

/* Whether a worker's duty changed: a new community, or less than half of
 * the households of their old and new grids together in both. */
static int worker_changed(const gp_dataset *ds, const gp_worker *w)
{
    if (w->home != w->comm)
        return 1;
    if (!ds->has_existing)
        return -1;
    if (w->n_cur == 0)
        return w->grids.n > 0;
    double both = 0, any = 0;
    for (int i = 0; i < ds->n_atoms; i++) {
        const gp_atom *at = &ds->atoms[i];
        bool in_new = false, in_old = false;
        for (int k = 0; k < w->grids.n && !in_new; k++)
            in_new = w->grids.v[k] == at->grid;
        for (int k = 0; k < w->n_cur && !in_old; k++)
            in_old = w->cur[k] == at->existing;
        both += in_new && in_old ? at->v[GP_A_HH] : 0;
        any += in_new || in_old ? at->v[GP_A_HH] : 0;
    }
    return any > 0 ? both < 0.5 * any : 0;
}

/* What the assignment threads share: read-only inputs and the next
 * community to take. Each community writes only its own results, its
 * workers and its grids. */
typedef struct assign_pool {
    const gp_scenario *sc;
    gp_dataset *ds;
    gp_plan *plan;
    const double *gx, *gy, *ghh;
    int next;
    pthread_mutex_t mu;
    gp_status *st;               /* per community */
    char (*err)[512];            /* per community: the detail of an error */
    gp_log_fn log_fn;
    void *log_user;
    gp_log_level log_max;
} assign_pool;

/* One community's assignment, with buffers of its own. */
static gp_status assign_community(gp_ctx *ctx, assign_pool *pl, int c)
{
    gp_dataset *ds = pl->ds;
    gp_plan *plan = pl->plan;
    gp_community *cm = &ds->comms[c];
    int ng_all = plan->n_grids;
    assign_in in = {0};
    in.w = malloc((size_t)(ds->n_workers ? ds->n_workers : 1) * sizeof *in.w);
    in.g = malloc((size_t)(ng_all ? ng_all : 1) * sizeof *in.g);
    int *gpos = malloc((size_t)(ng_all ? ng_all : 1) * sizeof *gpos);
    gp_status st = GP_OK;
    if (!in.w || !in.g || !gpos) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < ds->n_workers; i++)
        if (ds->workers[i].comm == c && ds->workers[i].fte > 0)
            in.w[in.nw++] = i;
    for (int g = 0; g < ng_all; g++) {
        gpos[g] = -1;
        if (plan->grids[g].community == c) {
            gpos[g] = in.ng;
            in.g[in.ng++] = g;
        }
    }
    cm->wstatus = GP_CS_PENDING;
    cm->wreason[0] = '\0';
    if (in.ng == 0)
        goto out;
    if (in.nw == 0) {
        cm->wstatus = GP_CS_INFEASIBLE;
        snprintf(cm->wreason, sizeof cm->wreason, "%d grid%s and no worker with capacity: add workers to the "
                 "roster or move some here with [workers] allocate = yes", in.ng, in.ng > 1 ? "s" : "");
        goto out;
    }
    in.ov = calloc((size_t)in.nw * (size_t)in.ng, sizeof *in.ov);
    in.dist = malloc((size_t)in.nw * (size_t)in.ng * sizeof *in.dist);
    if (!in.ov || !in.dist) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    for (int a = 0; a < in.nw; a++) {
        const gp_worker *w = &ds->workers[in.w[a]];
        for (int b = 0; b < in.ng; b++)
            in.dist[a * in.ng + b] = w->has_base ? hypot(w->bx - pl->gx[in.g[b]], w->by - pl->gy[in.g[b]]) : NAN;
    }
    /* continuity: households of each new grid that the worker held */
    for (int i = cm->first_atom; i < cm->first_atom + cm->n_atoms; i++) {
        const gp_atom *at = &ds->atoms[i];
        int b = gpos[at->grid];
        if (at->existing < 0 || b < 0 || pl->ghh[at->grid] <= 0)
            continue;
        for (int a = 0; a < in.nw; a++) {
            const gp_worker *w = &ds->workers[in.w[a]];
            for (int k = 0; k < w->n_cur; k++)
                if (w->cur[k] == at->existing) {
                    in.ov[a * in.ng + b] += at->v[GP_A_HH] / pl->ghh[at->grid];
                    break;
                }
        }
    }
    st = assign_one(ctx, pl->sc, ds, plan, c, &in);
out:
    free(in.w), free(in.g), free(in.ov), free(in.dist), free(gpos);
    return st;
}

static void *assign_thread(void *arg)
{
    assign_pool *pl = arg;
    gp_ctx *tctx = NULL;
    if (gp_ctx_create(&tctx) == GP_OK)
        gp_ctx_set_log(tctx, pl->log_fn, pl->log_user, pl->log_max);
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        int c = pl->next++;
        pthread_mutex_unlock(&pl->mu);
        if (c >= pl->ds->n_comms)
            break;
        if (!tctx) {
            pl->st[c] = GP_ERR_NOMEM;
            continue;
        }
        pl->st[c] = assign_community(tctx, pl, c);
        if (pl->st[c])
            snprintf(pl->err[c], sizeof pl->err[c], "%s", gp_ctx_errmsg(tctx));
    }
    glp_free_env(); /* this thread's GLPK environment */
    gp_ctx_destroy(tctx);
    return NULL;
}

gp_status gp_workers_assign(gp_ctx *ctx, const gp_scenario *sc, gp_dataset *ds, gp_plan *plan)
{
    if (!ds->has_workers)
        return GP_OK;
    int ng_all = plan->n_grids, nc = ds->n_comms;
    double *gx = malloc((size_t)(ng_all ? ng_all : 1) * sizeof *gx), *gy = malloc((size_t)(ng_all ? ng_all : 1) * sizeof *gy);
    double *ghh = calloc((size_t)(ng_all ? ng_all : 1), sizeof *ghh);
    assign_pool pl = {0};
    pl.st = calloc((size_t)(nc ? nc : 1), sizeof *pl.st);
    pl.err = calloc((size_t)(nc ? nc : 1), sizeof *pl.err);
    gp_status st = GP_OK;
    if (!gx || !gy || !ghh || !pl.st || !pl.err) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    for (int g = 0; g < ng_all; g++) {
        gx[g] = gy[g] = NAN;
        GEOSGeometry *ct = plan->grids[g].geom ? GEOSGetCentroid_r(ctx->geos, plan->grids[g].geom) : NULL;
        if (ct) {
            GEOSGeomGetX_r(ctx->geos, ct, &gx[g]);
            GEOSGeomGetY_r(ctx->geos, ct, &gy[g]);
            GEOSGeom_destroy_r(ctx->geos, ct);
        }
        ghh[g] = plan->grids[g].v[GP_A_HH];
    }
    pl.sc = sc, pl.ds = ds, pl.plan = plan, pl.gx = gx, pl.gy = gy, pl.ghh = ghh;
    pl.log_fn = ctx->log_fn, pl.log_user = ctx->log_user, pl.log_max = ctx->log_max;
    pthread_mutex_init(&pl.mu, NULL);
    /* communities in threads ([solver] threads), as the partition */
    long nt = (long)gp_scn_num(sc, "solver", "threads", 0);
    if (nt <= 0)
        nt = sysconf(_SC_NPROCESSORS_ONLN);
    nt = nt < 1 ? 1 : nt > nc ? (nc > 0 ? nc : 1) : nt;
    pthread_t *th = calloc((size_t)nt, sizeof *th);
    int started = 0;
    for (long t = 0; th && t < nt; t++)
        if (pthread_create(&th[started], NULL, assign_thread, &pl) == 0)
            started++;
    if (started == 0)
        assign_thread(&pl);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    free(th);
    pthread_mutex_destroy(&pl.mu);
    for (int c = 0; c < nc && !st; c++) {
        if (pl.st[c]) {
            st = pl.err[c][0] ? gp_fail(ctx, pl.st[c], "%s", pl.err[c])
                              : gp_fail(ctx, pl.st[c], "community '%s': worker assignment: %s", ds->comms[c].id,
                                        gp_strerror(pl.st[c]));
            break;
        }
        if (ds->comms[c].wstatus == GP_CS_INFEASIBLE)
            gp_log(ctx, GP_LOG_WARN, "community '%s': workers: %s", ds->comms[c].id, ds->comms[c].wreason);
    }
    for (int i = 0; i < ds->n_workers && !st; i++)
        ds->workers[i].changed = worker_changed(ds, &ds->workers[i]);
out:
    free(gx), free(gy), free(ghh), free(pl.st), free(pl.err);
    return st;
}

/* ---- assignments.csv ------------------------------------------------------ */

static void csv_field(FILE *f, const char *s, bool last)
{
    if (strpbrk(s, ",\"\n\r")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

gp_status gp_workers_write(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, const char *dir)
{
    if (!ds->has_workers)
        return GP_OK;
    char *path = gp_path_join(dir, "assignments.csv");
    if (!path)
        return GP_ERR_NOMEM;
    FILE *f = fopen(path, "w");
    if (!f) {
        gp_status st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: cannot write: %s", path, strerror(errno));
        free(path);
        return st;
    }
    fputs("worker_id,name,community,grids,fte,workload,workload_per_fte,travel_m,changed,"
          "previous_community,previous_grids,previous_workload\n", f);
    for (int i = 0; i < ds->n_workers; i++) {
        const gp_worker *w = &ds->workers[i];
        char buf[64];
        csv_field(f, w->id, false);
        csv_field(f, w->name, false);
        csv_field(f, w->comm >= 0 ? ds->comms[w->comm].id : "", false);
        size_t len = 1;
        for (int k = 0; k < w->grids.n; k++)
            len += strlen(plan->grids[w->grids.v[k]].id) + 1;
        char *gl = calloc(len, 1);
        for (int k = 0; gl && k < w->grids.n; k++) {
            if (k)
                strcat(gl, ";");
            strcat(gl, plan->grids[w->grids.v[k]].id);
        }
        csv_field(f, gl ? gl : "", false);
        free(gl);
        snprintf(buf, sizeof buf, "%g", w->fte);
        csv_field(f, buf, false);
        snprintf(buf, sizeof buf, "%.2f", w->load);
        csv_field(f, buf, false);
        if (w->fte > 0)
            snprintf(buf, sizeof buf, "%.2f", w->load / w->fte);
        else
            buf[0] = '\0';
        csv_field(f, buf, false);
        if (isfinite(w->travel) && w->grids.n > 0)
            snprintf(buf, sizeof buf, "%.0f", w->travel);
        else
            buf[0] = '\0';
        csv_field(f, buf, false);
        csv_field(f, w->changed < 0 ? "" : w->changed ? "yes" : "no", false);
        csv_field(f, w->home >= 0 ? ds->comms[w->home].id : "", false);
        csv_field(f, w->cur_text, false);
        snprintf(buf, sizeof buf, "%.2f", w->load0);
        csv_field(f, ds->has_existing ? buf : "", true);
    }
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        gp_status st = gp_fail(ctx, GP_ERR_OUTPUT, "%s: write failed (disk full?)", path);
        free(path);
        return st;
    }
    free(path);
    return GP_OK;
}

/* ---- report ---------------------------------------------------------------- */

void gp_workers_spread(const gp_dataset *ds, bool after, gp_workers_stats *out)
{
    double mn = INFINITY, mx = -INFINITY, sum = 0, sum2 = 0;
    int n = 0;
    out->idle = 0;
    for (int i = 0; i < ds->n_workers; i++) {
        const gp_worker *w = &ds->workers[i];
        if (w->fte <= 0 || (after ? w->comm : w->home) < 0)
            continue;
        double load = after ? w->load : w->load0;
        if (load <= 0) {
            out->idle++;
            continue;
        }
        double r = load / w->fte;
        mn = fmin(mn, r), mx = fmax(mx, r);
        sum += r, sum2 += r * r;
        n++;
    }
    out->n = n;
    out->min = n ? mn : NAN;
    out->max = n ? mx : NAN;
    out->ratio = n && mn > 0 ? mx / mn : NAN;
    double mean = n ? sum / n : NAN;
    out->cv = n && mean > 0 ? sqrt(fmax(0, sum2 / n - mean * mean)) / mean : NAN;
}

static void spread_obj(gp_json *j, const char *key, const gp_workers_stats *s)
{
    gp_json_key(j, key);
    gp_json_obj_begin(j);
    gp_json_key(j, "workers");
    gp_json_int(j, s->n);
    gp_json_key(j, "min");
    gp_json_num(j, s->min);
    gp_json_key(j, "max");
    gp_json_num(j, s->max);
    gp_json_key(j, "max_min_ratio");
    gp_json_num(j, s->ratio);
    gp_json_key(j, "cv");
    gp_json_num(j, s->cv);
    gp_json_key(j, "idle");
    gp_json_int(j, s->idle);
    gp_json_obj_end(j);
}

/* Transfers between communities, or placements of workers the roster gave
 * no community (those are not transfers). */
static void moves_arr(gp_json *j, const gp_dataset *ds, bool transfers)
{
    gp_json_key(j, transfers ? "transfers" : "placed");
    gp_json_arr_begin(j);
    for (int i = 0; i < ds->n_workers; i++) {
        const gp_worker *w = &ds->workers[i];
        if (w->comm == w->home || (w->home >= 0) != transfers)
            continue;
        gp_json_obj_begin(j);
        gp_json_key(j, "worker");
        gp_json_str(j, w->id);
        gp_json_key(j, "name");
        gp_json_str(j, w->name);
        gp_json_key(j, "fte");
        gp_json_num(j, w->fte);
        gp_json_key(j, "from");
        if (w->home >= 0)
            gp_json_str(j, ds->comms[w->home].id);
        else
            gp_json_null(j);
        gp_json_key(j, "to");
        gp_json_str(j, ds->comms[w->comm].id);
        gp_json_obj_end(j);
    }
    gp_json_arr_end(j);
}

void gp_workers_report(gp_json *j, const gp_dataset *ds, const gp_plan *plan)
{
    gp_json_key(j, "workers");
    if (!ds->has_workers) {
        gp_json_null(j);
        return;
    }
    double fte = 0, work = 0;
    int changed = 0, over = 0, unstaffed = 0;
    for (int i = 0; i < ds->n_workers; i++) {
        const gp_worker *w = &ds->workers[i];
        fte += w->fte;
        changed += w->changed == 1;
        over += w->load > w->fte * ds->capacity * (1 + 1e-6);
    }
    for (int c = 0; c < ds->n_comms; c++)
        work += ds->comms[c].work;
    for (int g = 0; g < plan->n_grids; g++)
        unstaffed += !plan->grids[g].workers;
    gp_json_obj_begin(j);
    gp_json_key(j, "workers");
    gp_json_int(j, ds->n_workers);
    gp_json_key(j, "fte");
    gp_json_num(j, fte);
    gp_json_key(j, "workload");
    gp_json_num(j, work);
    gp_json_key(j, "capacity_per_fte");
    gp_json_num(j, ds->capacity);
    gp_json_key(j, "roster_problem");
    if (ds->roster_reason[0])
        gp_json_str(j, ds->roster_reason);
    else
        gp_json_null(j);
    gp_workers_stats b, a;
    gp_workers_spread(ds, false, &b);
    gp_workers_spread(ds, true, &a);
    gp_json_key(j, "workload_per_fte");
    gp_json_obj_begin(j);
    spread_obj(j, "before", &b);
    spread_obj(j, "after", &a);
    gp_json_obj_end(j);
    gp_json_key(j, "workers_changed");
    gp_json_int(j, changed);
    gp_json_key(j, "workers_over_capacity");
    gp_json_int(j, over);
    gp_json_key(j, "grids_unstaffed");
    gp_json_int(j, unstaffed);
    gp_json_key(j, "allocation");
    if (!ds->allocated) {
        gp_json_null(j);
    } else {
        gp_json_obj_begin(j);
        gp_json_key(j, "status");
        gp_json_str(j, gp_comm_status_name(ds->alloc_status));
        if (ds->alloc_reason[0]) {
            gp_json_key(j, "reason");
            gp_json_str(j, ds->alloc_reason);
        }
        gp_json_key(j, "objective");
        gp_json_num(j, ds->alloc_objective);
        gp_json_key(j, "gap");
        gp_json_num(j, ds->alloc_gap);
        gp_json_key(j, "seconds");
        gp_json_num(j, ds->alloc_seconds);
        moves_arr(j, ds, true);
        moves_arr(j, ds, false);
        gp_json_obj_end(j);
    }
    gp_json_key(j, "communities");
    gp_json_arr_begin(j);
    for (int c = 0; c < ds->n_comms; c++) {
        const gp_community *cm = &ds->comms[c];
        gp_json_obj_begin(j);
        gp_json_key(j, "id");
        gp_json_str(j, cm->id);
        gp_json_key(j, "workload");
        gp_json_num(j, cm->work);
        gp_json_key(j, "fte_before");
        gp_json_num(j, cm->fte0);
        gp_json_key(j, "fte_after");
        gp_json_num(j, cm->fte1);
        gp_json_key(j, "workload_per_fte_before");
        gp_json_num(j, cm->fte0 > 0 ? cm->work / cm->fte0 : NAN);
        gp_json_key(j, "workload_per_fte_after");
        gp_json_num(j, cm->fte1 > 0 ? cm->work / cm->fte1 : NAN);
        gp_json_key(j, "workers");
        gp_json_int(j, cm->n_workers);
        gp_json_key(j, "grids");
        gp_json_int(j, cm->n_grids);
        gp_json_key(j, "status");
        gp_json_str(j, cm->wstatus == GP_CS_PENDING ? "none" : gp_comm_status_name(cm->wstatus));
        if (cm->wreason[0]) {
            gp_json_key(j, "reason");
            gp_json_str(j, cm->wreason);
        }
        gp_json_key(j, "objective");
        gp_json_num(j, cm->wobjective);
        gp_json_key(j, "gap");
        gp_json_num(j, cm->wgap);
        gp_json_key(j, "seconds");
        gp_json_num(j, cm->wseconds);
        gp_json_obj_end(j);
    }
    gp_json_arr_end(j);
    gp_json_obj_end(j);
}
