/* GLPK inside gridplan: an error in GLPK must come back as a status with
 * a message instead of ending the process, GLPK must print nothing on its
 * own, and one problem per thread must be safe (GLPK built thread-local). */
#include <glpk.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cu_tester.h"
#include "solve/solve.h"

static int lines;
static void count_log(void *user, gp_log_level level, const char *msg)
{
    (void)user;
    (void)msg;
    if (level == GP_LOG_DEBUG)
        lines++;
}

static int reached;

static gp_status bad_call(gp_ctx *ctx, void *user)
{
    (void)ctx, (void)user;
    glp_prob *lp = glp_create_prob();
    glp_set_obj_coef(lp, 5, 1.0); /* column 5 does not exist: a GLPK error */
    reached = 1;
    glp_delete_prob(lp);
    return GP_OK;
}

static void test_error_hook(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    reached = 0;
    CU_ASSERT_EQUAL(gp_glpk_run(ctx, bad_call, NULL), GP_ERR_SOLVER);
    CU_ASSERT_EQUAL(reached, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "GLPK error"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_ctx_errmsg(ctx), "out of range"));
    gp_ctx_destroy(ctx);
}

/* max x + y s.t. x + 2y <= 4, 3x + y <= 6, x, y >= 0 integer -> (2,0)/(1,1)/(0,2): 2
 * and the LP optimum at (1.6, 1.2) -> 2.8 */
typedef struct small { bool integer; int status; double z; } small;

static gp_status small_model(gp_ctx *ctx, void *user)
{
    (void)ctx;
    small *s = user;
    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MAX);
    glp_add_rows(lp, 2);
    glp_set_row_bnds(lp, 1, GLP_UP, 0, 4);
    glp_set_row_bnds(lp, 2, GLP_UP, 0, 6);
    glp_add_cols(lp, 2);
    for (int j = 1; j <= 2; j++) {
        glp_set_col_bnds(lp, j, GLP_LO, 0, 0);
        glp_set_obj_coef(lp, j, 1);
        if (s->integer)
            glp_set_col_kind(lp, j, GLP_IV);
    }
    int ia[] = {0, 1, 1, 2, 2}, ja[] = {0, 1, 2, 1, 2};
    double ar[] = {0, 1, 2, 3, 1};
    glp_load_matrix(lp, 4, ia, ja, ar);
    glp_smcp sm;
    glp_init_smcp(&sm);
    sm.msg_lev = GLP_MSG_ALL; /* goes to the log, not to stdout */
    if (glp_simplex(lp, &sm) == 0) {
        if (s->integer) {
            glp_iocp io;
            glp_init_iocp(&io);
            io.msg_lev = GLP_MSG_ALL;
            if (glp_intopt(lp, &io) == 0) {
                s->status = glp_mip_status(lp);
                s->z = glp_mip_obj_val(lp);
            }
        } else {
            s->status = glp_get_status(lp);
            s->z = glp_get_obj_val(lp);
        }
    }
    glp_delete_prob(lp);
    return GP_OK;
}

static double solve_small(gp_ctx *ctx, bool integer, int *status)
{
    small s = {integer, -1, -1};
    *status = -1;
    if (gp_glpk_run(ctx, small_model, &s) != GP_OK)
        return -1;
    *status = s.status;
    return s.z;
}

static void test_solve_after_error(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    lines = 0;
    gp_ctx_set_log(ctx, count_log, NULL, GP_LOG_DEBUG);
    int st;
    CU_ASSERT_DOUBLE_EQUAL(solve_small(ctx, false, &st), 2.8, 1e-9);
    CU_ASSERT_EQUAL(st, GLP_OPT);
    CU_ASSERT_DOUBLE_EQUAL(solve_small(ctx, true, &st), 2.0, 1e-9);
    CU_ASSERT_EQUAL(st, GLP_OPT);
    CU_ASSERT(lines > 0); /* GLPK's messages arrived through the log */
    gp_ctx_destroy(ctx);
}

static void *thread_main(void *arg)
{
    double *out = arg;
    gp_ctx *ctx;
    if (gp_ctx_create(&ctx) != GP_OK)
        return NULL;
    int st;
    double sum = 0;
    for (int i = 0; i < 50; i++)
        sum += solve_small(ctx, i % 2, &st);
    *out = sum;
    glp_free_env();
    gp_ctx_destroy(ctx);
    return NULL;
}

static void test_threads(void)
{
    CU_ASSERT_PTR_NOT_NULL(glp_config("TLS"));
    pthread_t t[2];
    double out[2] = {0, 0};
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, thread_main, &out[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++)
        CU_ASSERT_DOUBLE_EQUAL(out[i], 25 * 2.8 + 25 * 2.0, 1e-6);
}

void register_glpk_suite(void)
{
    static const cu_case cases[] = {{"error hook returns", test_error_hook},
                                    {"solve after an error", test_solve_after_error},
                                    {"one problem per thread", test_threads},
                                    {NULL, NULL}};
    cu_add_suite("glpk", cases);
}
