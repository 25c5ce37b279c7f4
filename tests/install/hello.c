/*
 * A program built against an installed gridplan, the way a user builds one:
 * with pkg-config and with find_package(gridplan) (tests/cli/check_install.sh).
 * It uses the public headers and libgridplan only: the version the library,
 * the headers and the build system report must agree, a scenario parsed
 * from text gives its keys back, a misspelt key is refused with a message,
 * and the demo district validates. Exit status 0 when all holds.
 *
 * usage: hello DEMO_SCENARIO   (datasets/demo/scenario.ini)
 *
 * EXPECTED_VERSION is defined by the build: pkg-config --modversion gridplan,
 * or find_package's gridplan_VERSION.
 */
#include <gridplan/gridplan.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef EXPECTED_VERSION
#error "define EXPECTED_VERSION, the version pkg-config or find_package(gridplan) reported"
#endif

/* Status values are part of the ABI (docs/library.md): a program compiled
 * against one release reads the same numbers from the next. */
_Static_assert(GP_OK == 0 && GP_ERR_NOMEM == 1 && GP_ERR_ARG == 2 && GP_ERR_IO == 3 && GP_ERR_SCENARIO == 4 &&
                   GP_ERR_INPUT == 5 && GP_ERR_CRS == 6 && GP_ERR_GEOMETRY == 7 && GP_ERR_GEOS == 8 &&
                   GP_ERR_PROJ == 9 && GP_ERR_SOLVER == 10 && GP_ERR_INFEASIBLE == 11 && GP_ERR_OUTPUT == 12 &&
                   GP_ERR_INTERNAL == 13 && GP_ERR_CANCELLED == 14,
               "a gp_status value changed");

static int failures;

/* Prints one line, "ok" or "FAIL" and what was checked. */
static void check(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(ok ? "ok   " : "FAIL ", stdout);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    if (!ok)
        failures++;
}

static void on_log(void *user, gp_log_level level, const char *msg)
{
    (void)level;
    (void)msg;
    ++*(int *)user;
}

static void on_progress(void *user, const gp_progress *p)
{
    (void)p;
    ++*(int *)user;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hello DEMO_SCENARIO\n");
        return 2;
    }
    /* the library that was loaded, the headers it was compiled with and the
     * package metadata it was found by: one version */
    check(!strcmp(gp_version(), GP_VERSION_STRING) && !strcmp(gp_version(), EXPECTED_VERSION),
          "gp_version() %s = GP_VERSION_STRING %s = package version %s", gp_version(), GP_VERSION_STRING,
          EXPECTED_VERSION);
    char parts[32];
    snprintf(parts, sizeof parts, "%d.%d.%d", GP_VERSION_MAJOR, GP_VERSION_MINOR, GP_VERSION_PATCH);
    check(!strcmp(parts, GP_VERSION_STRING), "GP_VERSION_MAJOR.MINOR.PATCH = GP_VERSION_STRING");
    check(strstr(gp_version_libraries(), "GDAL") != NULL, "gp_version_libraries() names GDAL");
    check(strcmp(gp_strerror(GP_ERR_INFEASIBLE), gp_strerror(GP_OK)) != 0, "gp_strerror() tells statuses apart");

    gp_ctx *ctx = NULL;
    if (gp_ctx_create(&ctx) != GP_OK) {
        printf("FAIL gp_ctx_create\n");
        return 1;
    }
    int messages = 0, reports = 0;
    gp_ctx_set_log(ctx, on_log, &messages, GP_LOG_INFO);
    gp_ctx_set_progress(ctx, on_progress, &reports);

    /* a scenario from text: its keys come back, paths resolved against base_dir */
    static const char TEXT[] = "[input]\n"
                               "units = units.gpkg\n"
                               "units.households = hh\n"
                               "[grid]\n"
                               "households = 300..500\n";
    gp_scenario *sc = NULL;
    gp_status st = gp_scenario_parse(ctx, TEXT, "hello.ini", "/data", &sc);
    check(st == GP_OK, "gp_scenario_parse of a small scenario");
    if (st == GP_OK) {
        const char *hh = gp_scenario_get(sc, "grid", "households");
        const char *units = gp_scenario_get(sc, "input", "units");
        check(hh && !strcmp(hh, "300..500"), "gp_scenario_get(grid, households) = 300..500");
        check(units && !strcmp(units, "/data/units.gpkg"), "gp_scenario_get(input, units) = /data/units.gpkg");
        check(gp_scenario_get(sc, "grid", "population") == NULL, "an unset key is NULL");
        check(gp_scenario_set(ctx, sc, "grid", "count", "4") == GP_OK &&
                  !strcmp(gp_scenario_get(sc, "grid", "count"), "4"),
              "gp_scenario_set(grid, count, 4)");
        gp_scenario_destroy(sc);
    }

    /* a misspelt key: refused, and the message names it */
    sc = NULL;
    st = gp_scenario_parse(ctx, "[grid]\nhousholds = 300..500\n", "typo.ini", "/data", &sc);
    check(st == GP_ERR_SCENARIO && sc == NULL && strstr(gp_ctx_errmsg(ctx), "housholds"),
          "a misspelt key is GP_ERR_SCENARIO, named in gp_ctx_errmsg()");
    gp_scenario_destroy(sc);

    /* the demo district through GDAL, PROJ and GEOS inside libgridplan */
    st = gp_scenario_load(ctx, argv[1], &sc);
    check(st == GP_OK, "gp_scenario_load %s: %s%s%s", argv[1], gp_strerror(st), st ? ": " : "",
          st ? gp_ctx_errmsg(ctx) : "");
    if (st == GP_OK) {
        gp_run_summary sum;
        st = gp_validate(ctx, sc, &sum);
        check(st == GP_OK && sum.units > 0 && sum.communities > 0 && sum.households > 0,
              "gp_validate: %s%s%s: %d units, %d communities, %.0f households, working CRS %s", gp_strerror(st),
              st ? ": " : "", st ? gp_ctx_errmsg(ctx) : "", sum.units, sum.communities, sum.households, sum.crs);
        check(messages > 0 && reports > 0, "the log and progress callbacks were called");
        gp_scenario_destroy(sc);
    }
    gp_ctx_destroy(ctx);
    gp_ctx_destroy(NULL);

    printf("gridplan %s: %s\n", gp_version(), failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
