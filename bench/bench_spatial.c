/* Benchmark of gridplan's spatial layer: load, project, repair, tessellate
 * and clip, apportion, attach cases, adjacency — on the scenario given,
 * with the atom size given. Prints one JSON line with the time of each
 * stage, the atom and edge counts and the peak memory.
 *
 * usage: bench_spatial SCENARIO [SIZE_M]   (bench/run-spatial drives it) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "io/io.h"
#include "plan/plan.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_spatial SCENARIO [SIZE_M]\n");
        return 2;
    }
    gp_ctx *ctx;
    gp_scenario *sc;
    if (gp_ctx_create(&ctx) != GP_OK || gp_scenario_load(ctx, argv[1], &sc) != GP_OK) {
        fprintf(stderr, "bench_spatial: %s\n", ctx ? gp_ctx_errmsg(ctx) : "no context");
        return 1;
    }
    if (argc > 2 && (gp_scenario_set(ctx, sc, "atoms", "mode", "cells") != GP_OK ||
                     gp_scenario_set(ctx, sc, "atoms", "size", argv[2]) != GP_OK)) {
        fprintf(stderr, "bench_spatial: %s\n", gp_ctx_errmsg(ctx));
        return 1;
    }
    gp_dataset ds = {0};
    double t[5];
    gp_status st;
    t[0] = gp_now();
    st = gp_load(ctx, gp_scenario_config(sc), &ds);
    t[1] = gp_now();
    if (!st)
        st = gp_atomize(ctx, gp_scenario_config(sc), &ds);
    t[2] = gp_now();
    if (!st)
        st = gp_cases_attach(ctx, gp_scenario_config(sc), &ds);
    t[3] = gp_now();
    if (!st)
        st = gp_graph_build(ctx, gp_scenario_config(sc), &ds);
    t[4] = gp_now();
    if (st) {
        fprintf(stderr, "bench_spatial: %s\n", gp_ctx_errmsg(ctx));
        return 1;
    }
    double pop = 0, cases = 0;
    for (int i = 0; i < ds.n_atoms; i++) {
        pop += ds.atoms[i].v[GP_A_POP];
        cases += ds.atoms[i].v[GP_A_CASES];
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"tool\": \"gridplan\", \"size\": %s, \"atoms\": %d, \"edges\": %d, \"population\": %.6f, "
           "\"cases_in_atoms\": %.0f, \"seconds\": {\"load_project_repair\": %.3f, \"tessellate_apportion\": %.3f, "
           "\"cases\": %.3f, \"adjacency\": %.3f}, \"total_s\": %.3f, \"peak_rss_mb\": %.1f}\n",
           argc > 2 ? argv[2] : "null", ds.n_atoms, ds.xadj[ds.n_atoms] / 2, pop, cases, t[1] - t[0], t[2] - t[1],
           t[3] - t[2], t[4] - t[3], t[4] - t[0], ru.ru_maxrss / 1024.0);
    gp_dataset_free(ctx, &ds);
    gp_scenario_destroy(sc);
    gp_ctx_destroy(ctx);
    return 0;
}
