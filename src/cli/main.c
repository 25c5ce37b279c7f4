/* gridplan command-line tool: a thin layer over the public API. */
#include <gridplan/gridplan.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit codes (docs/exit-codes.md). */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_OTHER = 1,
    EXIT_USAGE = 2,
    EXIT_SCENARIO = 3,
    EXIT_INPUT = 4,
    EXIT_INFEASIBLE = 5,
    EXIT_OUTPUT = 6
};

static const char USAGE[] =
    "usage: gridplan [--quiet|--verbose] COMMAND [ARGS]\n"
    "\n"
    "Design and rebalance community management grids.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO [--out DIR]   run the whole pipeline and write the output folder\n"
    "  validate SCENARIO          check the scenario and its input data; write nothing\n"
    "  version                    print the version and the library versions\n"
    "  help                       print this help\n"
    "\n"
    "options:\n"
    "  -q, --quiet     print errors only\n"
    "  -v, --verbose   print solver detail as well as progress\n"
    "  -o, --out DIR   write the results to DIR (overrides [output] dir)\n"
    "  -h, --help      print this help\n"
    "  -V, --version   print the version\n"
    "\n"
    "exit codes: 0 success, 1 internal error, 2 bad command line, 3 bad scenario file,\n"
    "4 bad or unreadable input data, 5 bounds not met in some community (results\n"
    "written, marked infeasible), 6 output cannot be written.\n"
    "See docs/scenario.md for the scenario file and docs/report.md for the outputs.\n";

static int verbosity = 1; /* 0 quiet, 1 normal, 2 verbose */

static void on_log(void *user, gp_log_level level, const char *msg)
{
    (void)user;
    static const char *tag[] = {"error: ", "warning: ", "", ""};
    fprintf(stderr, "gridplan: %s%s\n", tag[level], msg);
}

static int exit_code(gp_status st)
{
    switch (st) {
    case GP_OK: return EXIT_OK;
    case GP_ERR_SCENARIO: return EXIT_SCENARIO;
    case GP_ERR_IO:
    case GP_ERR_INPUT:
    case GP_ERR_CRS:
    case GP_ERR_GEOMETRY:
    case GP_ERR_PROJ: return EXIT_INPUT;
    case GP_ERR_INFEASIBLE: return EXIT_INFEASIBLE;
    case GP_ERR_OUTPUT: return EXIT_OUTPUT;
    default: return EXIT_FAILURE_OTHER;
    }
}

static int report_error(gp_ctx *ctx, gp_status st)
{
    const char *detail = gp_ctx_errmsg(ctx);
    fprintf(stderr, "gridplan: error: %s\n", detail[0] ? detail : gp_strerror(st));
    return exit_code(st);
}

static void print_summary(const gp_run_summary *s, bool wrote)
{
    printf("units          %d (%d atoms) in %d communities, working CRS %s\n", s->units, s->atoms, s->communities,
           s->crs);
    printf("households     %.0f   population %.0f\n", s->households, s->population);
    printf("cases          %d (%d outside every community)\n", s->cases, s->cases_unmatched);
    if (s->existing_households_min >= 0)
        printf("existing plan  households per grid %.0f..%.0f (max/min %.2f)\n", s->existing_households_min,
               s->existing_households_max,
               s->existing_households_min > 0 ? s->existing_households_max / s->existing_households_min : 0.0);
    if (wrote) {
        printf("grids          %d", s->grids);
        if (s->grid_households_min >= 0)
            printf(", households per grid %.0f..%.0f (max/min %.2f)", s->grid_households_min,
                   s->grid_households_max,
                   s->grid_households_min > 0 ? s->grid_households_max / s->grid_households_min : 0.0);
        printf("\n");
        if (s->households_moved >= 0)
            printf("moved          %.0f households change grid vs the existing plan\n", s->households_moved);
    }
    printf("communities    %d within bounds, %d infeasible\n", s->communities - s->communities_infeasible,
           s->communities_infeasible);
    if (wrote)
        printf("output         %s/{grids.gpkg, atoms.gpkg, report.json}\n", s->output_dir);
    printf("elapsed        %.2f s\n", s->elapsed_s);
}

static int cmd_run(gp_ctx *ctx, const char *path, const char *out, bool validate_only)
{
    gp_scenario *sc = NULL;
    gp_status st = gp_scenario_load(ctx, path, &sc);
    if (st != GP_OK) {
        report_error(ctx, st);
        return EXIT_SCENARIO;
    }
    if (out && (st = gp_scenario_set(ctx, sc, "output", "dir", out)) != GP_OK) {
        gp_scenario_destroy(sc);
        report_error(ctx, st);
        return EXIT_USAGE;
    }
    gp_run_summary sum;
    st = validate_only ? gp_validate(ctx, sc, &sum) : gp_run(ctx, sc, &sum);
    gp_scenario_destroy(sc);
    bool wrote = !validate_only && (st == GP_OK || st == GP_ERR_INFEASIBLE);
    if (st == GP_OK || st == GP_ERR_INFEASIBLE) {
        if (verbosity > 0)
            print_summary(&sum, wrote);
        if (st == GP_OK)
            return EXIT_OK;
    }
    return report_error(ctx, st);
}

int main(int argc, char **argv)
{
    const char *cmd = NULL, *arg = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(USAGE, stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            cmd = "version";
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            verbosity = 0;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            verbosity = 2;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            if (++i >= argc) {
                fprintf(stderr, "gridplan: %s needs a folder\n%s", a, USAGE);
                return EXIT_USAGE;
            }
            out = argv[i];
        } else if (!strncmp(a, "--out=", 6)) {
            out = a + 6;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "gridplan: unknown option '%s' (see gridplan --help)\n", a);
            return EXIT_USAGE;
        } else if (!cmd) {
            cmd = a;
        } else if (!arg) {
            arg = a;
        } else {
            fprintf(stderr, "gridplan: unexpected argument '%s' (see gridplan --help)\n", a);
            return EXIT_USAGE;
        }
    }
    if (!cmd) {
        fputs(USAGE, stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(cmd, "help")) {
        fputs(USAGE, stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "version")) {
        printf("gridplan %s\n%s\n", gp_version(), gp_version_libraries());
        return EXIT_OK;
    }
    bool is_run = !strcmp(cmd, "run"), is_val = !strcmp(cmd, "validate");
    if (!is_run && !is_val) {
        fprintf(stderr, "gridplan: unknown command '%s' (commands: run, validate, version, help)\n", cmd);
        return EXIT_USAGE;
    }
    if (!arg) {
        fprintf(stderr, "gridplan: %s needs a scenario file, e.g. gridplan %s scenario.ini\n", cmd, cmd);
        return EXIT_USAGE;
    }
    if (out && is_val) {
        fprintf(stderr, "gridplan: validate writes nothing: --out does not apply\n");
        return EXIT_USAGE;
    }
    gp_ctx *ctx = NULL;
    if (gp_ctx_create(&ctx) != GP_OK) {
        fprintf(stderr, "gridplan: error: cannot create a context\n");
        return EXIT_FAILURE_OTHER;
    }
    gp_ctx_set_log(ctx, on_log, NULL,
                   verbosity == 0 ? GP_LOG_ERROR : verbosity == 1 ? GP_LOG_INFO : GP_LOG_DEBUG);
    int rc = cmd_run(ctx, arg, out, is_val);
    gp_ctx_destroy(ctx);
    return rc;
}
