/* Benchmark of the two ways to keep grids contiguous in the exact model:
 * cut constraints added lazily in GLPK's callback (what gridplan uses) and
 * Shirabe's flow constraints in the model itself. Reads the scenario's
 * units as one community, makes k grids with population within [lo, hi]
 * by the heuristic, and hands that plan to both as the start. Prints one
 * JSON line per formulation: proven or not, objective, bound, seconds.
 *
 * usage: bench_contiguity SCENARIO K LO HI SECONDS   (bench/run-contiguity) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "plan/plan.h"

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: bench_contiguity SCENARIO K LO HI SECONDS\n");
        return 2;
    }
    int k = atoi(argv[2]);
    double lo = atof(argv[3]), hi = atof(argv[4]), seconds = atof(argv[5]);
    gp_ctx *ctx;
    gp_scenario *sc;
    if (gp_ctx_create(&ctx) != GP_OK || gp_scenario_load(ctx, argv[1], &sc) != GP_OK) {
        fprintf(stderr, "bench_contiguity: %s\n", ctx ? gp_ctx_errmsg(ctx) : "no context");
        return 1;
    }
    gp_dataset ds = {0};
    gp_status st = gp_load(ctx, gp_scenario_config(sc), &ds);
    if (!st)
        st = gp_atomize(ctx, gp_scenario_config(sc), &ds);
    if (!st)
        st = gp_graph_build(ctx, gp_scenario_config(sc), &ds);
    if (st) {
        fprintf(stderr, "bench_contiguity: %s\n", gp_ctx_errmsg(ctx));
        return 1;
    }
    int n = ds.n_atoms;
    double(*v)[GP_NATTR] = calloc((size_t)n, sizeof *v), *x = malloc((size_t)n * sizeof *x),
                         *y = malloc((size_t)n * sizeof *y);
    int *grid = malloc((size_t)n * sizeof *grid);
    if (!v || !x || !y || !grid)
        return 1;
    for (int i = 0; i < n; i++) {
        memcpy(v[i], ds.atoms[i].v, sizeof v[i]);
        x[i] = ds.atoms[i].cx, y[i] = ds.atoms[i].cy;
    }
    gp_part_problem p;
    memset(&p, 0, sizeof p);
    p.n = n;
    p.v = (const double(*)[GP_NATTR])v;
    p.x = x, p.y = y, p.xadj = ds.xadj, p.adj = ds.adj;
    for (int a = 0; a < GP_NATTR; a++)
        p.lo[a] = -INFINITY, p.hi[a] = INFINITY;
    p.lo[GP_A_POP] = lo, p.hi[GP_A_POP] = hi;
    p.k_min = p.k_max = k;
    p.primary = GP_A_POP;
    p.w_balance = 1, p.w_compact = 0.5, p.seed = 1;
    gp_part_result r;
    gp_work hw = gp_work_new(NULL, INFINITY, 0);
    if (gp_partition(&p, &hw, &r) != GP_OK || !r.feasible) {
        fprintf(stderr, "bench_contiguity: no start within the bounds\n");
        return 1;
    }
    for (int f = 0; f < 2; f++) {
        memcpy(grid, r.grid, (size_t)n * sizeof *grid);
        double obj, bound, t0 = gp_now();
        bool improved, stopped;
        /* a race against the clock: no work limit, the time as the cap */
        gp_work w = gp_work_new(NULL, INFINITY, t0 + seconds);
        st = (f ? gp_model_solve_flow : gp_model_solve)(ctx, &p, k, grid, &w, 1e-4, &obj, &bound, &improved,
                                                        &stopped);
        double t = gp_now() - t0;
        bool contiguous = true;
        for (int g = 0; g < k; g++)
            contiguous &= gp_part_connected(&p, grid, g);
        char gap[32] = "null", bnd[32] = "null"; /* JSON has no NaN */
        if (isfinite(bound))
            snprintf(bnd, sizeof bnd, "%.6f", bound);
        if (obj > 0 && isfinite(bound))
            snprintf(gap, sizeof gap, "%.6f", fmax(0, (obj - bound) / obj));
        printf("{\"formulation\": \"%s\", \"atoms\": %d, \"grids\": %d, \"status\": \"%s\", \"objective\": %.6f, "
               "\"bound\": %s, \"gap\": %s, \"seconds\": %.2f, \"contiguous\": %s}\n",
               f ? "flow" : "cuts", n, k, st ? "error" : stopped ? "time_limit" : "proven", obj, bnd, gap, t,
               contiguous ? "true" : "false");
        fflush(stdout);
    }
    gp_part_result_free(&r);
    free(v), free(x), free(y), free(grid);
    gp_dataset_free(ctx, &ds);
    gp_scenario_destroy(sc);
    gp_ctx_destroy(ctx);
    return 0;
}
