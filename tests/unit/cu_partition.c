/* Partition heuristic on lattices: every atom in one grid, grids
 * contiguous, bounds met, deterministic; diagnoses when bounds cannot be
 * met. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_tester.h"
#include "plan/plan.h"

typedef struct lattice {
    int w, h, n;
    double (*v)[GP_NATTR];
    double *x, *y;
    int *xadj, *adj;
} lattice;

/* w x h rook lattice, households from a fixed LCG (30..150). */
static void lattice_make(lattice *L, int w, int h, unsigned seed)
{
    L->w = w, L->h = h, L->n = w * h;
    L->v = calloc((size_t)L->n, sizeof *L->v);
    L->x = malloc((size_t)L->n * sizeof *L->x);
    L->y = malloc((size_t)L->n * sizeof *L->y);
    L->xadj = malloc((size_t)(L->n + 1) * sizeof *L->xadj);
    L->adj = malloc((size_t)L->n * 4 * sizeof *L->adj);
    unsigned s = seed;
    int e = 0;
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            int i = r * w + c;
            s = s * 1103515245u + 12345u;
            L->v[i][GP_A_HH] = 30 + (s >> 16) % 121;
            L->v[i][GP_A_POP] = 2.5 * L->v[i][GP_A_HH];
            L->v[i][GP_A_WORK] = L->v[i][GP_A_HH];
            L->x[i] = c * 100.0;
            L->y[i] = r * 100.0;
            L->xadj[i] = e;
            if (r > 0) L->adj[e++] = i - w;
            if (c > 0) L->adj[e++] = i - 1;
            if (c < w - 1) L->adj[e++] = i + 1;
            if (r < h - 1) L->adj[e++] = i + w;
        }
    L->xadj[L->n] = e;
}

static void lattice_free(lattice *L)
{
    free(L->v), free(L->x), free(L->y), free(L->xadj), free(L->adj);
}

static gp_part_problem problem(const lattice *L)
{
    gp_part_problem p;
    memset(&p, 0, sizeof p);
    p.n = L->n;
    p.v = (const double(*)[GP_NATTR])L->v;
    p.x = L->x, p.y = L->y, p.xadj = L->xadj, p.adj = L->adj;
    for (int a = 0; a < GP_NATTR; a++)
        p.lo[a] = -INFINITY, p.hi[a] = INFINITY;
    p.k_min = 1;
    p.primary = GP_A_HH;
    p.w_balance = 1;
    p.w_compact = 0.5;
    p.seed = 1;
    return p;
}

/* The heuristic with a budget it never reaches here. */
static gp_status partition(const gp_part_problem *p, gp_part_result *r)
{
    gp_work w = gp_work_new(NULL, 1e9, 0);
    return gp_partition(p, &w, r);
}

/* A budget the searches here never reach. */
static gp_work *plenty(void)
{
    static _Thread_local gp_work w;
    w = gp_work_new(NULL, 1e10, 0);
    return &w;
}

/* Checks the hard constraints of a result; returns the number of grids
 * outside the household bounds. */
static int check_plan(const gp_part_problem *p, const gp_part_result *r)
{
    CU_ASSERT_FATAL(r->k >= 1);
    double *hh = calloc((size_t)r->k, sizeof *hh);
    double total = 0;
    for (int i = 0; i < p->n; i++) {
        CU_ASSERT_FATAL(r->grid[i] >= 0 && r->grid[i] < r->k);
        hh[r->grid[i]] += p->v[i][GP_A_HH];
        total += p->v[i][GP_A_HH];
    }
    double sum = 0;
    int out = 0;
    for (int g = 0; g < r->k; g++) {
        CU_ASSERT(gp_part_connected(p, r->grid, g));
        sum += hh[g];
        if (hh[g] < p->lo[GP_A_HH] - 1e-9 || hh[g] > p->hi[GP_A_HH] + 1e-9)
            out++;
    }
    CU_ASSERT_DOUBLE_EQUAL(sum, total, 1e-9 * total);
    free(hh);
    return out;
}

static void test_bounds_met(void)
{
    static const struct { int w, h; double lo, hi; } T[] = {
        {10, 10, 300, 500}, {12, 8, 300, 500}, {20, 20, 300, 500}, {15, 15, 800, 1000}, {30, 30, 300, 500},
    };
    for (size_t t = 0; t < sizeof T / sizeof T[0]; t++) {
        lattice L;
        lattice_make(&L, T[t].w, T[t].h, 7 + (unsigned)t);
        gp_part_problem p = problem(&L);
        p.lo[GP_A_HH] = T[t].lo;
        p.hi[GP_A_HH] = T[t].hi;
        gp_part_result r;
        CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
        CU_ASSERT(r.feasible);
        CU_ASSERT_EQUAL(check_plan(&p, &r), 0);
        if (!r.feasible)
            fprintf(stderr, "\n%dx%d %g..%g: %s\n", T[t].w, T[t].h, T[t].lo, T[t].hi, r.reason);
        gp_part_result_free(&r);
        lattice_free(&L);
    }
}

static void test_two_attributes(void)
{
    lattice L;
    lattice_make(&L, 12, 12, 3);
    gp_part_problem p = problem(&L);
    p.lo[GP_A_HH] = 300, p.hi[GP_A_HH] = 500;
    p.hi[GP_A_POP] = 1200; /* 2.5 per household: binds below 500 households */
    gp_part_result r;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
    CU_ASSERT(r.feasible);
    CU_ASSERT_EQUAL(check_plan(&p, &r), 0);
    double *pop = calloc((size_t)r.k, sizeof *pop);
    for (int i = 0; i < p.n; i++)
        pop[r.grid[i]] += p.v[i][GP_A_POP];
    for (int g = 0; g < r.k; g++)
        CU_ASSERT(pop[g] <= 1200 + 1e-9);
    free(pop);
    gp_part_result_free(&r);
    lattice_free(&L);
}

static void test_fixed_count(void)
{
    lattice L;
    lattice_make(&L, 10, 10, 11);
    gp_part_problem p = problem(&L);
    p.k_min = p.k_max = 7;
    gp_part_result r;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
    CU_ASSERT_EQUAL(r.k, 7);
    check_plan(&p, &r);
    gp_part_result_free(&r);
    lattice_free(&L);
}

static void test_deterministic(void)
{
    lattice L;
    lattice_make(&L, 16, 16, 5);
    gp_part_problem p = problem(&L);
    p.lo[GP_A_HH] = 300, p.hi[GP_A_HH] = 500;
    gp_part_result a, b;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &a), GP_OK);
    CU_ASSERT_EQUAL_FATAL(partition(&p, &b), GP_OK);
    CU_ASSERT_EQUAL(a.k, b.k);
    CU_ASSERT(memcmp(a.grid, b.grid, (size_t)p.n * sizeof *a.grid) == 0);
    gp_part_result_free(&a);
    gp_part_result_free(&b);
    lattice_free(&L);
}

static void test_diagnoses(void)
{
    lattice L;
    lattice_make(&L, 4, 4, 9);
    double total = 0;
    for (int i = 0; i < L.n; i++)
        total += L.v[i][GP_A_HH];
    gp_part_problem p = problem(&L);
    gp_part_result r;
    char want[128];

    /* lighter than one grid's minimum */
    p.lo[GP_A_HH] = total + 100, p.hi[GP_A_HH] = total + 500;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
    CU_ASSERT(!r.feasible);
    CU_ASSERT(r.proven); /* counted, not searched */
    snprintf(want, sizeof want, "the community has %g households, below the %g minimum", total, total + 100);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "merge it with a neighbour or lower the bound"));
    gp_part_result_free(&r);

    /* an atom heavier than the maximum */
    p.lo[GP_A_HH] = -INFINITY, p.hi[GP_A_HH] = 100;
    for (int i = 0; i < L.n; i++)
        L.v[i][GP_A_HH] = 50;
    L.v[5][GP_A_HH] = 140;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
    CU_ASSERT(!r.feasible);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "an atom has 140 households, above the 100 maximum"));
    gp_part_result_free(&r);

    /* no count k with k*lo <= total <= k*hi: 1000 split into 300..320 */
    for (int i = 0; i < L.n; i++)
        L.v[i][GP_A_HH] = 62.5;
    p.lo[GP_A_HH] = 300, p.hi[GP_A_HH] = 320;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
    CU_ASSERT(!r.feasible);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "1000 households cannot be split into grids of 300..320"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "300..334"));   /* 3 grids need max >= 334 */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "250..320"));   /* 4 grids need min <= 250 */
    gp_part_result_free(&r);

    /* bounds and a fixed count that disagree */
    p.lo[GP_A_HH] = 200, p.hi[GP_A_HH] = 300;
    p.k_min = p.k_max = 2;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
    CU_ASSERT(!r.feasible);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "no grid count"));
    gp_part_result_free(&r);
    lattice_free(&L);
}

/* A budget far too small for the search: the plan is still complete and
 * contiguous, and when the bounds are not met the reason names the budget;
 * the work spent never runs far past it. */
static void test_budget(void)
{
    lattice L;
    lattice_make(&L, 40, 40, 13);
    gp_part_problem p = problem(&L);
    p.lo[GP_A_HH] = 300, p.hi[GP_A_HH] = 500;
    gp_part_result r;
    gp_work w = gp_work_new(NULL, 1, 0);
    CU_ASSERT_EQUAL_FATAL(gp_partition(&p, &w, &r), GP_OK);
    check_plan(&p, &r);
    if (!r.feasible) {
        CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "work budget"));
        CU_ASSERT(!r.proven); /* nothing found is not a proof */
        CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "raise [solver] effort"));
    }
    CU_ASSERT(!w.capped);
    gp_part_result_free(&r);
    lattice_free(&L);

    /* the same budget twice gives the same plan */
    lattice_make(&L, 20, 20, 5);
    p = problem(&L);
    p.lo[GP_A_HH] = 300, p.hi[GP_A_HH] = 500;
    gp_part_result a, b;
    gp_work wa = gp_work_new(NULL, 2e4, 0), wb = gp_work_new(NULL, 2e4, 0);
    CU_ASSERT_EQUAL_FATAL(gp_partition(&p, &wa, &a), GP_OK);
    CU_ASSERT_EQUAL_FATAL(gp_partition(&p, &wb, &b), GP_OK);
    CU_ASSERT_EQUAL(a.k, b.k);
    CU_ASSERT_EQUAL(memcmp(a.grid, b.grid, (size_t)L.n * sizeof *a.grid), 0);
    CU_ASSERT_EQUAL(wa.used, wb.used);
    gp_part_result_free(&a), gp_part_result_free(&b);
    lattice_free(&L);
}

/* "Infeasible" only when proven: on a line of three atoms (5, 2, 5
 * households) with grids of 6..7, two grids pass the count check but no
 * split works, contiguous or not: the heuristic finds nothing and says it
 * is not a proof; branch and cut from no plan proves it (bound +inf). With
 * grids of 5..7 branch and cut from no plan finds the one that works. */
static void test_proof(void)
{
    lattice L;
    lattice_make(&L, 3, 1, 1);
    L.v[0][GP_A_HH] = 5, L.v[1][GP_A_HH] = 2, L.v[2][GP_A_HH] = 5;
    gp_part_problem p = problem(&L);
    p.lo[GP_A_HH] = 6, p.hi[GP_A_HH] = 7;
    gp_part_result r;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
    CU_ASSERT(!r.feasible);
    CU_ASSERT(!r.proven);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "none was proven impossible"));
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    int grid[3] = {0, 0, 0};
    double obj, bound;
    bool better, stopped;
    CU_ASSERT_EQUAL(gp_model_solve(ctx, &p, 2, grid, plenty(), 0, &obj, &bound, &better, &stopped), GP_OK);
    CU_ASSERT(!better);
    CU_ASSERT(!stopped);
    CU_ASSERT(bound == INFINITY);
    gp_part_result_free(&r);

    p.lo[GP_A_HH] = 5;
    int g2[3] = {0, 0, 0}; /* one grid: not a start for two */
    CU_ASSERT_EQUAL(gp_model_solve(ctx, &p, 2, g2, plenty(), 0, &obj, &bound, &better, &stopped), GP_OK);
    CU_ASSERT(better);
    CU_ASSERT(gp_part_check(&p, g2, 2));
    CU_ASSERT(g2[0] != g2[2]);
    gp_ctx_destroy(ctx);
    lattice_free(&L);
}

/* The model's LP bound never exceeds the best plan, found here by brute
 * force over every 2-grid split of a 3 x 4 lattice within the bounds. */
static void test_bound(void)
{
    lattice L;
    lattice_make(&L, 3, 4, 21);
    gp_part_problem p = problem(&L);
    double total = 0;
    for (int i = 0; i < L.n; i++)
        total += L.v[i][GP_A_HH];
    p.lo[GP_A_HH] = total / 2 * 0.8, p.hi[GP_A_HH] = total / 2 * 1.2;
    p.k_min = p.k_max = 2;
    int grid[12];
    double best = INFINITY, best_contig = INFINITY;
    for (int mask = 1; mask < (1 << L.n) - 1; mask++) {
        double h0 = 0;
        for (int i = 0; i < L.n; i++) {
            grid[i] = (mask >> i) & 1;
            if (!grid[i])
                h0 += L.v[i][GP_A_HH];
        }
        if (h0 < p.lo[GP_A_HH] || h0 > p.hi[GP_A_HH] || total - h0 < p.lo[GP_A_HH] || total - h0 > p.hi[GP_A_HH])
            continue;
        double obj = gp_model_objective(&p, grid, 2);
        best = fmin(best, obj);
        if (gp_part_connected(&p, grid, 0) && gp_part_connected(&p, grid, 1))
            best_contig = fmin(best_contig, obj);
    }
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    double bound;
    CU_ASSERT_EQUAL_FATAL(gp_model_bound(ctx, &p, 2, plenty(), &bound), GP_OK);
    CU_ASSERT(isfinite(bound));
    CU_ASSERT(bound > 0);
    CU_ASSERT(bound <= best + 1e-9 * best);
    CU_ASSERT(best <= best_contig);
    /* and the heuristic's plan is no better than the true optimum */
    gp_part_result r;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
    CU_ASSERT(r.feasible);
    CU_ASSERT(gp_model_objective(&p, r.grid, r.k) >= best_contig - 1e-9);
    gp_part_result_free(&r);
    /* bounds no 2-grid plan can meet: the relaxation says so */
    p.lo[GP_A_HH] = total, p.hi[GP_A_HH] = total * 2;
    CU_ASSERT_EQUAL(gp_model_bound(ctx, &p, 2, plenty(), &bound), GP_OK);
    CU_ASSERT(isinf(bound));
    gp_ctx_destroy(ctx);
    lattice_free(&L);
}

/* Branch and cut (contiguity cuts at integer and fractional points) proves
 * the true optimum: the best contiguous 2-grid plan within the bounds,
 * found by brute force over every split of small lattices. A cut that
 * removed a contiguous plan would show here as a worse "optimum". */
static void frac_log(void *user, gp_log_level level, const char *msg)
{
    (void)level;
    const char *f = strstr(msg, "(");
    if (strstr(msg, "contiguity cuts") && f)
        *(int *)user += atoi(f + 1); /* "(N at fractional points)" */
}

static void test_exact(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    int frac = 0;
    gp_ctx_set_log(ctx, frac_log, &frac, GP_LOG_DEBUG);
    static const struct { int w, h; unsigned seed; double tol; } T[] = {
        {4, 4, 3, 0.1}, {5, 4, 5, 0.1}, {5, 4, 9, 0.25}, {6, 3, 11, 0.05}, {10, 2, 13, 0.02}, {9, 2, 17, 0.03},
        {7, 3, 19, 0.02}, {11, 2, 23, 0.05}};
    for (size_t t = 0; t < sizeof T / sizeof *T; t++) {
        lattice L;
        lattice_make(&L, T[t].w, T[t].h, T[t].seed);
        gp_part_problem p = problem(&L);
        double total = 0;
        for (int i = 0; i < L.n; i++)
            total += L.v[i][GP_A_HH];
        p.lo[GP_A_HH] = total / 2 * (1 - T[t].tol), p.hi[GP_A_HH] = total / 2 * (1 + T[t].tol);
        p.k_min = p.k_max = 2;
        int grid[32];
        double best = INFINITY;
        for (int mask = 1; mask < (1 << (L.n - 1)); mask++) { /* atom n-1 always in grid 0 */
            double h0 = 0;
            for (int i = 0; i < L.n; i++) {
                grid[i] = (mask >> i) & 1;
                if (!grid[i])
                    h0 += L.v[i][GP_A_HH];
            }
            if (h0 < p.lo[GP_A_HH] || h0 > p.hi[GP_A_HH] || total - h0 < p.lo[GP_A_HH] || total - h0 > p.hi[GP_A_HH])
                continue;
            if (!gp_part_connected(&p, grid, 0) || !gp_part_connected(&p, grid, 1))
                continue;
            best = fmin(best, gp_model_objective(&p, grid, 2));
        }
        gp_part_result r;
        CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
        CU_ASSERT_FATAL(r.feasible && isfinite(best));
        double obj, bound;
        bool improved, stopped;
        CU_ASSERT_EQUAL_FATAL(gp_model_solve(ctx, &p, r.k, r.grid, plenty(), 1e-9, &obj, &bound, &improved, &stopped),
                              GP_OK);
        printf("\n  %dx%d: optimum %.6f, branch and cut %.6f, bound %.6f (%d)", T[t].w, T[t].h, best, obj, bound, frac);
        CU_ASSERT(!stopped);
        CU_ASSERT_DOUBLE_EQUAL(obj, best, 1e-7 * best);
        CU_ASSERT(bound <= best * (1 + 1e-7));
        CU_ASSERT_EQUAL(check_plan(&p, &r), 0);
        gp_part_result_free(&r);
        lattice_free(&L);
    }
    printf("\n  %d cuts at fractional points", frac);
    CU_ASSERT(frac > 0); /* the fractional separation took part */
    gp_ctx_destroy(ctx);
}

/* The Lagrangian bound (for communities too large for the LP) is a true
 * bound: never above the LP bound nor the brute-force optimum, and close
 * to the LP bound once the subgradient settles. */
static void test_lagrange(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    static const struct { int w, h, k; } T[] = {{3, 4, 2}, {10, 10, 4}, {12, 9, 6}, {16, 10, 10}};
    for (size_t t = 0; t < sizeof T / sizeof *T; t++) {
        lattice L;
        lattice_make(&L, T[t].w, T[t].h, 21 + (unsigned)t);
        gp_part_problem p = problem(&L);
        double total = 0;
        for (int i = 0; i < L.n; i++)
            total += L.v[i][GP_A_HH];
        double m = total / T[t].k;
        p.lo[GP_A_HH] = m * (t == 0 ? 0.8 : 0.95), p.hi[GP_A_HH] = m * (t == 0 ? 1.2 : 1.05);
        p.k_min = p.k_max = T[t].k;
        gp_part_result r;
        CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
        CU_ASSERT_FATAL(r.feasible);
        double obj = gp_model_objective(&p, r.grid, r.k), lp, lag;
        int its;
        CU_ASSERT_EQUAL_FATAL(gp_model_bound(ctx, &p, r.k, plenty(), &lp), GP_OK);
        CU_ASSERT_EQUAL_FATAL(gp_model_lagrange(&p, r.k, r.grid, obj, plenty(), 1e-6, &lag, &its), GP_OK);
        printf("\n  %dx%d k=%d: plan %.4f, LP bound %.4f, Lagrangian %.4f (%d steps)", T[t].w, T[t].h, T[t].k, obj,
               lp, lag, its);
        CU_ASSERT(isfinite(lp) && isfinite(lag));
        CU_ASSERT(lag <= lp + 1e-6 * lp);
        CU_ASSERT(lag <= obj);
        CU_ASSERT(lag >= 0.97 * lp);
        /* no k grids can meet these bounds: the relaxation says so */
        p.lo[GP_A_HH] = total / T[t].k * 1.01, p.hi[GP_A_HH] = total;
        CU_ASSERT_EQUAL(gp_model_lagrange(&p, r.k, NULL, NAN, plenty(), 1e-6, &lag, NULL), GP_OK);
        CU_ASSERT(isinf(lag) && lag > 0);
        gp_part_result_free(&r);
        lattice_free(&L);
    }
    gp_ctx_destroy(ctx);
}

/* Labels renumbered by first appearance, so two plans compare as
 * partitions whatever their grid numbers. */
static void relabel(const int *in, int *out, int n)
{
    int map[256], from[256], m = 0;
    for (int i = 0; i < n; i++) {
        int k = 0;
        while (k < m && from[k] != in[i])
            k++;
        if (k == m)
            from[m] = in[i], map[m] = m, m++;
        out[i] = map[k];
    }
}

/* Rebalancing: a plan in force that meets the bounds comes back unchanged
 * when stability dominates; one that breaks them is repaired from where
 * it is, moving few households. */
static void test_rebalance(void)
{
    lattice L;
    lattice_make(&L, 10, 10, 31);
    gp_part_problem p = problem(&L);
    p.lo[GP_A_HH] = 300, p.hi[GP_A_HH] = 500;
    gp_part_result a;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &a), GP_OK);
    CU_ASSERT_FATAL(a.feasible);
    int *home = malloc((size_t)L.n * sizeof *home);
    for (int i = 0; i < L.n; i++)
        home[i] = 100 + a.grid[i]; /* any ids: they are matched, not used */
    p.existing = home;
    p.w_stability = 100; /* dominant: outweighs any balance or shape gain */
    p.w_compact = 5;     /* would reshape the plan if stability let it */
    gp_part_result b;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &b), GP_OK);
    CU_ASSERT(b.feasible);
    CU_ASSERT_EQUAL(b.k, a.k);
    int ra[100], rb[100], same = 0;
    relabel(a.grid, ra, L.n);
    relabel(b.grid, rb, L.n);
    for (int i = 0; i < L.n; i++)
        same += ra[i] == rb[i];
    CU_ASSERT_EQUAL(same, L.n);
    gp_part_result_free(&b);
    /* break it: move three border atoms of grid 0 to a neighbouring grid */
    int moved = 0;
    for (int i = 0; i < L.n && moved < 3; i++) {
        if (a.grid[i] != 0)
            continue;
        for (int e = L.xadj[i]; e < L.xadj[i + 1]; e++) {
            int j = L.adj[e];
            if (a.grid[j] != 0) {
                int keep = a.grid[i];
                a.grid[i] = a.grid[j];
                if (!gp_part_connected(&p, a.grid, keep) || !gp_part_connected(&p, a.grid, a.grid[j]))
                    a.grid[i] = keep;
                else
                    moved++;
                break;
            }
        }
    }
    for (int i = 0; i < L.n; i++)
        home[i] = a.grid[i];
    p.w_stability = 1;
    p.w_compact = 0.5;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &b), GP_OK);
    CU_ASSERT(b.feasible);
    CU_ASSERT_EQUAL(check_plan(&p, &b), 0);
    double changed = 0, total = 0;
    relabel(home, ra, L.n); /* the labels rebalancing gives the plan in force */
    for (int i = 0; i < L.n; i++) {
        total += L.v[i][GP_A_HH];
        changed += (b.grid[i] != ra[i]) * L.v[i][GP_A_HH];
    }
    CU_ASSERT(changed < 0.2 * total);
    gp_part_result_free(&b);
    gp_part_result_free(&a);
    free(home);
    lattice_free(&L);
}

/* Households that change grid between a plan and the plan in force, under
 * the same one-to-one matching a run reports. */
static double hh_moved(const lattice *L, const int *plan, int k, const int *home, int k0)
{
    double *w = malloc((size_t)L->n * sizeof *w), moved = 0;
    int *match = malloc((size_t)k * sizeof *match);
    for (int i = 0; i < L->n; i++)
        w[i] = L->v[i][GP_A_HH];
    CU_ASSERT_FATAL(gp_match_labels(L->n, home, plan, w, k0, k, match));
    for (int i = 0; i < L->n; i++)
        if (match[plan[i]] != home[i])
            moved += w[i];
    free(w), free(match);
    return moved;
}

/* Rebalancing when the bounds no longer allow the plan in force's grid
 * count (growth in part of the community): a grid is split, or two are
 * merged, and fewer households change grid than in a redraw; with
 * locks the plan in force already keeps, they stay kept. */
static void test_rebalance_count(void)
{
    lattice L;
    lattice_make(&L, 12, 10, 57);
    gp_part_problem p = problem(&L);
    p.lo[GP_A_HH] = 1800, p.hi[GP_A_HH] = 2200;
    gp_part_result a;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &a), GP_OK);
    CU_ASSERT_FATAL(a.feasible);
    int *home = malloc((size_t)L.n * sizeof *home), k0 = a.k;
    memcpy(home, a.grid, (size_t)L.n * sizeof *home);
    for (int growth = 0; growth < 2; growth++) {
        /* the western third grows by 40 % (a grid more), or loses 60 % */
        double f = growth == 0 ? 1.4 : 0.4;
        for (int i = 0; i < L.n; i++)
            if (i % L.w < L.w / 3)
                L.v[i][GP_A_HH] = lround(L.v[i][GP_A_HH] * f);
        int kmin, kmax;
        char why[256];
        CU_ASSERT_FATAL(gp_part_count_range(&p, &kmin, &kmax, why, sizeof why));
        p.existing = NULL;
        gp_part_result redraw, b;
        CU_ASSERT_EQUAL_FATAL(partition(&p, &redraw), GP_OK);
        p.existing = home;
        p.w_stability = 10;
        CU_ASSERT_EQUAL_FATAL(partition(&p, &b), GP_OK);
        CU_ASSERT(b.feasible && b.rebalanced);
        CU_ASSERT_EQUAL(check_plan(&p, &b), 0);
        CU_ASSERT(b.k >= kmin && b.k <= kmax);
        double m_b = hh_moved(&L, b.grid, b.k, home, k0), m_r = hh_moved(&L, redraw.grid, redraw.k, home, k0);
        printf("\n  %s: %d -> %d grids (%d..%d allowed), households moved %.0f (redraw %.0f)",
               growth == 0 ? "growth" : "decline", k0, b.k, kmin, kmax, m_b, m_r);
        CU_ASSERT(growth == 0 ? b.k > k0 : b.k < k0);
        CU_ASSERT(m_b < m_r);
        gp_part_result_free(&redraw);
        gp_part_result_free(&b);
        for (int i = 0; i < L.n; i++) /* back to the census of the plan in force */
            if (i % L.w < L.w / 3)
                L.v[i][GP_A_HH] = lround(L.v[i][GP_A_HH] / f);
        lattice_free(&L);
        lattice_make(&L, 12, 10, 57);
        p = problem(&L);
        p.lo[GP_A_HH] = 1800, p.hi[GP_A_HH] = 2200;
    }
    /* locks the plan in force keeps: rebalancing keeps them */
    int lock[120];
    for (int i = 0; i < L.n; i++)
        lock[i] = -1;
    int g0 = home[0], other = -1;
    for (int i = 0; i < L.n; i++)
        if (home[i] == g0)
            lock[i] = lock[i] < 0 && i == 0 ? 0 : lock[i];
    for (int i = L.n - 1; i >= 0 && other < 0; i--)
        if (home[i] != g0)
            other = i, lock[i] = 1;
    const char *names[] = {"school", "clinic"};
    p.lock = lock, p.n_locks = 2, p.lock_names = names;
    p.existing = home, p.w_stability = 10;
    for (int i = 0; i < L.n; i++) /* some imbalance to fix */
        if (i % L.w >= 2 * L.w / 3)
            L.v[i][GP_A_HH] = lround(L.v[i][GP_A_HH] * 1.2);
    gp_part_result c;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &c), GP_OK);
    CU_ASSERT(c.feasible && c.rebalanced);
    CU_ASSERT_EQUAL(check_plan(&p, &c), 0);
    CU_ASSERT(c.grid[0] != c.grid[other]);
    /* a plan in force that puts both locks in one grid is redrawn */
    for (int i = 0; i < L.n; i++)
        if (home[i] == home[other])
            home[i] = g0;
    gp_part_result d;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &d), GP_OK);
    CU_ASSERT(!d.rebalanced);
    CU_ASSERT(d.feasible && d.grid[0] != d.grid[other]);
    gp_part_result_free(&c);
    gp_part_result_free(&d);
    gp_part_result_free(&a);
    free(home);
    lattice_free(&L);
}

/* Locked units: each lock group whole in one grid, two groups never in
 * the same grid, in the heuristic and in branch and cut; a lock that
 * cannot be kept is diagnosed. */
static void test_locks(void)
{
    lattice L;
    lattice_make(&L, 8, 8, 41);
    gp_part_problem p = problem(&L);
    p.lo[GP_A_HH] = 300, p.hi[GP_A_HH] = 800;
    int lock[64];
    for (int i = 0; i < 64; i++)
        lock[i] = -1;
    lock[0] = lock[1] = lock[8] = 0;    /* south-west corner */
    lock[2] = 1;                        /* right next to it */
    lock[62] = lock[63] = 2;            /* north-east corner */
    const char *names[] = {"school", "clinic", "factory"};
    p.lock = lock;
    p.n_locks = 3;
    p.lock_names = names;
    gp_part_result r;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
    CU_ASSERT_FATAL(r.feasible);
    CU_ASSERT_EQUAL(check_plan(&p, &r), 0);
    CU_ASSERT(r.grid[0] == r.grid[1] && r.grid[0] == r.grid[8]);
    CU_ASSERT(r.grid[62] == r.grid[63]);
    CU_ASSERT(r.grid[0] != r.grid[2] && r.grid[0] != r.grid[62] && r.grid[2] != r.grid[62]);
    /* branch and cut keeps them too */
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    double obj, bound;
    bool improved;
    bool stopped;
    CU_ASSERT_EQUAL(gp_model_solve(ctx, &p, r.k, r.grid, plenty(), 1e-4, &obj, &bound, &improved, &stopped), GP_OK);
    CU_ASSERT(r.grid[0] == r.grid[1] && r.grid[0] == r.grid[8]);
    CU_ASSERT(r.grid[62] == r.grid[63]);
    CU_ASSERT(r.grid[0] != r.grid[2] && r.grid[0] != r.grid[62] && r.grid[2] != r.grid[62]);
    CU_ASSERT_EQUAL(check_plan(&p, &r), 0);
    CU_ASSERT(isfinite(bound) && bound <= obj * (1 + 1e-9));
    gp_part_result_free(&r);
    /* a lock group in two pieces */
    lock[63] = -1, lock[40] = 2;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
    CU_ASSERT(!r.feasible);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "locked to 'factory' are not contiguous"));
    gp_part_result_free(&r);
    /* more groups than the bounds allow grids */
    lock[40] = -1, lock[63] = 2;
    p.k_min = p.k_max = 2;
    CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
    CU_ASSERT(!r.feasible);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "3 groups of locked units need 3 grids"));
    gp_part_result_free(&r);
    gp_ctx_destroy(ctx);
    lattice_free(&L);
}

/* Neighbourhood search on a community too large for one model: the plan
 * only gets better, stays contiguous and within bounds, and keeps locked
 * units together and apart; the same start gives the same plan when no
 * sub-model runs out of time. */
static void test_lns(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    lattice L;
    lattice_make(&L, 16, 14, 7);
    gp_part_problem p = problem(&L);
    double total = 0;
    for (int i = 0; i < L.n; i++)
        total += L.v[i][GP_A_HH];
    int k = 9;
    p.lo[GP_A_HH] = total / k * 0.95, p.hi[GP_A_HH] = total / k * 1.05;
    p.k_min = p.k_max = k;
    int lock[16 * 14];
    for (int i = 0; i < L.n; i++)
        lock[i] = -1;
    lock[0] = lock[1] = 0;               /* south-west corner */
    lock[2] = 1;                         /* next to it */
    lock[16 * 7 + 8] = lock[16 * 8 + 8] = 2; /* the middle */
    const char *names[] = {"school", "clinic", "depot"};
    for (int with_locks = 0; with_locks < 2; with_locks++) {
        p.lock = with_locks ? lock : NULL;
        p.n_locks = with_locks ? 3 : 0;
        p.lock_names = with_locks ? names : NULL;
        gp_part_result r;
        CU_ASSERT_EQUAL_FATAL(partition(&p, &r), GP_OK);
        CU_ASSERT_FATAL(r.feasible);
        double before = gp_model_objective(&p, r.grid, r.k), after;
        int *start = malloc((size_t)L.n * sizeof *start);
        gp_lns_stats st, st2;
        memcpy(start, r.grid, (size_t)L.n * sizeof *start);
        gp_work w = gp_work_new(NULL, 3e7, 0), w2 = gp_work_new(NULL, 3e7, 0);
        CU_ASSERT_EQUAL_FATAL(gp_model_lns(ctx, &p, r.k, r.grid, &w, &after, &st), GP_OK);
        printf("\n  %s: objective %.2f -> %.2f, %d sub-models, %d better, %d out of their budget, %.0f units",
               with_locks ? "locks" : "no locks", before, after, st.solved, st.improved, st.stopped, w.used);
        CU_ASSERT(st.solved > 0);
        CU_ASSERT(st.improved > 0);
        CU_ASSERT(after < before);
        CU_ASSERT_DOUBLE_EQUAL(after, gp_model_objective(&p, r.grid, r.k), 1e-9 * after);
        CU_ASSERT_EQUAL(check_plan(&p, &r), 0);
        if (with_locks) {
            CU_ASSERT(r.grid[0] == r.grid[1] && r.grid[16 * 7 + 8] == r.grid[16 * 8 + 8]);
            CU_ASSERT(r.grid[0] != r.grid[2] && r.grid[0] != r.grid[16 * 7 + 8] && r.grid[2] != r.grid[16 * 7 + 8]);
        }
        /* the bound is below the plan, and deterministic search */
        double lag;
        CU_ASSERT_EQUAL(gp_model_lagrange(&p, r.k, r.grid, after, plenty(), 1e-6, &lag, NULL), GP_OK);
        CU_ASSERT(isfinite(lag) && lag > 0 && lag <= after);
        int *again = malloc((size_t)L.n * sizeof *again);
        memcpy(again, start, (size_t)L.n * sizeof *again);
        double after2;
        CU_ASSERT_EQUAL(gp_model_lns(ctx, &p, r.k, again, &w2, &after2, &st2), GP_OK);
        /* the same plan again, and the same work: budgets, not the clock */
        CU_ASSERT(memcmp(again, r.grid, (size_t)L.n * sizeof *again) == 0);
        CU_ASSERT_EQUAL(w.used, w2.used);
        CU_ASSERT_EQUAL(st.solved, st2.solved);
        free(again);
        free(start);
        gp_part_result_free(&r);
    }
    gp_ctx_destroy(ctx);
    lattice_free(&L);
}

void register_partition_suite(void)
{
    static const cu_case cases[] = {{"bounds met on lattices", test_bounds_met},
                                    {"two bounded attributes", test_two_attributes},
                                    {"fixed count", test_fixed_count},
                                    {"deterministic", test_deterministic},
                                    {"infeasibility diagnoses", test_diagnoses},
                                    {"work budget", test_budget},
                                    {"infeasible only when proven", test_proof},
                                    {"model bound below the optimum", test_bound},
                                    {"branch and cut proves the brute-force optimum", test_exact},
                                    {"Lagrangian bound below the LP bound", test_lagrange},
                                    {"neighbourhood search", test_lns},
                                    {"rebalancing keeps the plan in force", test_rebalance},
                                    {"locked units", test_locks},
                                    {"rebalancing to a new grid count, and with locks", test_rebalance_count},
                                    {NULL, NULL}};
    cu_add_suite("partition", cases);
}
