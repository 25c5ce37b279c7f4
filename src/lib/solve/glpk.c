/* The one GLPK kit: the guard that keeps a GLPK error from ending the
 * process and routes GLPK's output to the log, the branch and bound
 * callback every search uses (warm start, lazy rows, best bound), and a
 * builder and solver for the smaller integer programs, with GLPK's return
 * codes mapped to a status and a gap. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "solve/solve.h"

/* ---- the guard -------------------------------------------------------------
 * GLPK is built with thread-local state here (glp_config("TLS")), so hooks
 * and environments are per thread; so are these variables. */

static _Thread_local jmp_buf *glpk_jmp;
static _Thread_local gp_ctx *glpk_ctx;
static _Thread_local char glpk_line[1024];
static _Thread_local char glpk_prev[2][512]; /* the last two whole lines */

static int glpk_term(void *info, const char *s)
{
    (void)info;
    /* GLPK writes pieces of lines; collect them and log whole lines. */
    size_t len = strlen(glpk_line);
    for (; *s; s++) {
        if (*s == '\n' || len + 1 >= sizeof glpk_line) {
            glpk_line[len] = '\0';
            if (len) {
                gp_log(glpk_ctx, GP_LOG_DEBUG, "glpk: %s", glpk_line);
                memcpy(glpk_prev[0], glpk_prev[1], sizeof glpk_prev[0]);
                snprintf(glpk_prev[1], sizeof glpk_prev[1], "%.500s", glpk_line);
            }
            len = 0;
            if (*s == '\n')
                continue;
        }
        glpk_line[len++] = *s;
    }
    glpk_line[len] = '\0';
    return 1; /* non-zero: GLPK prints nothing itself */
}

static void glpk_error(void *info)
{
    (void)info;
    jmp_buf *jb = glpk_jmp;
    /* GLPK prints the message, then where it was detected, then calls us */
    if (glpk_ctx)
        gp_fail(glpk_ctx, GP_ERR_SOLVER, "GLPK error: %s (%s)", glpk_prev[0], glpk_prev[1]);
    glpk_line[0] = glpk_prev[0][0] = glpk_prev[1][0] = '\0';
    /* The GLPK environment is unusable after an error: free all its memory
     * (problems included) before leaving. */
    glp_free_env();
    /* gp_glpk_run always sets the jump target; GLPK outside it has no
     * error hook */
    if (jb)
        longjmp(*jb, 1);
}

gp_status gp_glpk_run(gp_ctx *ctx, gp_status (*fn)(gp_ctx *ctx, void *user), void *user)
{
    jmp_buf jb;
    glpk_ctx = ctx;
    glpk_jmp = &jb;
    glpk_line[0] = glpk_prev[0][0] = glpk_prev[1][0] = '\0';
    glp_term_hook(glpk_term, NULL);
    glp_error_hook(glpk_error, NULL);
    gp_status st;
    if (setjmp(jb) == 0)
        st = fn(ctx, user);
    else
        st = GP_ERR_SOLVER; /* GLPK failed: its environment, problems included, is freed */
    glp_error_hook(NULL, NULL);
    glp_term_hook(NULL, NULL);
    glpk_jmp = NULL;
    glpk_ctx = NULL;
    return st;
}

/* ---- branch and bound callback -------------------------------------------- */

void gp_search_init(gp_search *s, const double *warm, gp_work *work, glp_prob *lp, double it_cost)
{
    memset(s, 0, sizeof *s);
    s->warm = warm;
    s->bound = -INFINITY;
    s->work = work;
    s->it_cost = it_cost;
    s->it_start = glp_get_it_cnt(lp);
}

void gp_search_charge(gp_search *s, glp_prob *lp)
{
    if (!s->work)
        return;
    double units = (glp_get_it_cnt(lp) - s->it_start) * s->it_cost + s->nodes * GP_WORK_NODE;
    if (units > s->charged) {
        gp_work_spend(s->work, units - s->charged);
        s->charged = units;
    }
}

void gp_search_callback(glp_tree *T, void *info)
{
    gp_search *s = info;
    switch (glp_ios_reason(T)) {
    case GLP_IHEUR:
        if (s->warm && !s->warm_given) {
            glp_ios_heur_sol(T, s->warm);
            s->warm_given = true;
        }
        break;
    case GLP_IROWGEN:
        if (s->rowgen)
            s->rowgen(T, s->user);
        break;
    default:
        break;
    }
    int best = glp_ios_best_node(T);
    if (best)
        s->bound = fmax(s->bound, glp_ios_node_bound(T, best));
    /* the budget: iterations and nodes so far, never the clock (but for
     * the safety cap, which gp_work_spend reads) */
    int active, current, total;
    glp_ios_tree_size(T, &active, &current, &total);
    s->nodes = total;
    gp_search_charge(s, glp_ios_get_prob(T));
    if (s->work && gp_work_left(s->work) <= 0 && !s->stopped) {
        s->stopped = true;
        glp_ios_terminate(T);
    }
}

/* ---- integer programs built a column and a row at a time ----------------- */

int gp_mip_col(gp_mip *m, double lo, double hi, double cost, bool binary)
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

int gp_mip_icol(gp_mip *m, double lo, double hi, double cost)
{
    int j = glp_add_cols(m->lp, 1);
    glp_set_col_kind(m->lp, j, GLP_IV);
    glp_set_col_bnds(m->lp, j, lo == hi ? GLP_FX : isfinite(hi) ? GLP_DB : GLP_LO, lo, hi);
    glp_set_obj_coef(m->lp, j, cost);
    return j;
}

int gp_mip_row(gp_mip *m, double lo, double hi)
{
    int i = glp_add_rows(m->lp, 1);
    int type = isfinite(lo) ? (isfinite(hi) ? (lo == hi ? GLP_FX : GLP_DB) : GLP_LO) : (isfinite(hi) ? GLP_UP : GLP_FR);
    glp_set_row_bnds(m->lp, i, type, isfinite(lo) ? lo : 0, isfinite(hi) ? hi : 0);
    return i;
}

void gp_mip_coef(gp_mip *m, int row, int col, double v)
{
    /* 1-based, as glp_load_matrix reads them; the three grow alike */
    int need = m->ne + 2, c1 = m->cap, c2 = m->cap, c3 = m->cap;
    if (!gp_grow(&m->ia, &c1, need, sizeof *m->ia) || !gp_grow(&m->ja, &c2, need, sizeof *m->ja) ||
        !gp_grow(&m->ar, &c3, need, sizeof *m->ar)) {
        m->nomem = true;
        return;
    }
    m->cap = c1;
    m->ne++;
    m->ia[m->ne] = row;
    m->ja[m->ne] = col;
    m->ar[m->ne] = v;
}

double gp_mip_val(const gp_mip *m, int j)
{
    return m->use_warm ? m->warm[j] : glp_mip_col_val(m->lp, j);
}

/* The objective of m's warm start. */
static double warm_objective(const gp_mip *m)
{
    double z = glp_get_obj_coef(m->lp, 0);
    for (int j = 1; j <= glp_get_num_cols(m->lp); j++)
        z += glp_get_obj_coef(m->lp, j) * m->warm[j];
    return z;
}

gp_status gp_mip_solve(gp_ctx *ctx, gp_mip *m, gp_work *w, double gap_tol, bool cuts, gp_mip_out *out)
{
    double t0 = gp_now();
    out->status = GP_CS_INFEASIBLE;
    out->proven_infeasible = false;
    out->objective = out->gap = NAN;
    out->seconds = 0;
    if (m->nomem)
        return GP_ERR_NOMEM;
    glp_load_matrix(m->lp, m->ne, m->ia, m->ja, m->ar);
    double it_cost = gp_work_iteration(glp_get_num_rows(m->lp), glp_get_num_cols(m->lp));
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
        sm.it_lim = gp_work_it_lim(w, it_cost);
        sm.tm_lim = gp_work_tm_lim(w);
        int it0 = glp_get_it_cnt(m->lp);
        int rc = gp_work_left(w) > 0 ? glp_simplex(m->lp, &sm) : GLP_EITLIM;
        gp_work_spend(w, (glp_get_it_cnt(m->lp) - it0) * it_cost);
        if (rc == GLP_ETMLIM)
            w->capped = true;
        if (rc != 0 || glp_get_status(m->lp) != GLP_OPT) {
            m->use_warm = true; /* the LP did not solve within the budget: keep the start */
            out->seconds = gp_now() - t0;
            out->status = w->capped ? GP_CS_TIME_CAPPED : GP_CS_FEASIBLE;
            out->objective = warm_objective(m);
            return GP_OK;
        }
    }
    if (cuts) {
        io.mir_cuts = GLP_ON;
        io.gmi_cuts = GLP_ON;
        io.cov_cuts = GLP_ON;
    }
    io.tm_lim = gp_work_tm_lim(w);
    io.mip_gap = gap_tol;
    gp_search_init(&m->search, m->warm, w, m->lp, it_cost);
    io.cb_func = gp_search_callback;
    io.cb_info = &m->search;
    int rc = gp_work_left(w) > 0 ? glp_intopt(m->lp, &io) : GLP_ESTOP;
    gp_search_charge(&m->search, m->lp);
    if (rc == GLP_ETMLIM)
        w->capped = true;
    int ms = glp_mip_status(m->lp);
    out->seconds = gp_now() - t0;
    if (rc != 0 && rc != GLP_ETMLIM && rc != GLP_ESTOP && rc != GLP_EMIPGAP && rc != GLP_ENOPFS && rc != GLP_ENODFS)
        return gp_fail(ctx, GP_ERR_SOLVER, "GLPK could not solve the integer program (glp_intopt code %d)", rc);
    bool cut_short = rc == GLP_ETMLIM || rc == GLP_ESTOP;
    int stopped = w->capped ? GP_CS_TIME_CAPPED : GP_CS_FEASIBLE;
    if (ms != GLP_OPT && ms != GLP_FEAS && m->warm && cut_short) {
        m->use_warm = true; /* GLPK did not take the start: keep it */
        out->status = stopped;
        out->objective = warm_objective(m);
        double g = m->search.bound > -DBL_MAX && fabs(out->objective) > 1e-12
                 ? (out->objective - m->search.bound) / fabs(out->objective) : NAN;
        out->gap = isfinite(g) ? fmin(fmax(g, 0), 1) : NAN;
        return GP_OK;
    }
    if (ms != GLP_OPT && ms != GLP_FEAS) {
        /* no solution: proven when the search ran to its end */
        out->proven_infeasible = !cut_short;
        return GP_OK;
    }
    double bound = m->search.bound;
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
        out->status = stopped;
        out->gap = isfinite(g) ? fmin(fmax(g, 0), 1) : NAN;
    }
    return GP_OK;
}

void gp_mip_free(gp_mip *m)
{
    if (!m)
        return;
    if (m->lp)
        glp_delete_prob(m->lp);
    free(m->ia), free(m->ja), free(m->ar), free(m->warm);
    free(m);
}
