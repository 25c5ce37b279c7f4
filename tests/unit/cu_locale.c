/* Numbers whatever the host's locale: a host program that sets LC_NUMERIC
 * to a comma-decimal locale (QGIS does) gets the same scenario and the
 * same report.json, byte for byte but for the run times, as under "C". */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "cu_tester.h"

static char locdir[] = "/tmp/gp_locale_XXXXXX";
static const char *comma; /* the comma-decimal locale's name, NULL: none */

/* A German locale built with localedef into a folder of the test's own
 * (LOCPATH), so that the test does not depend on the machine's locales. */
static int setup(void)
{
    if (!mkdtemp(locdir))
        return 0;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", locdir);
    if (system(cmd) == 0) {
        setenv("LOCPATH", locdir, 1);
        if (setlocale(LC_NUMERIC, "de_DE.UTF-8"))
            comma = "de_DE.UTF-8";
        setlocale(LC_NUMERIC, "C");
    }
    return 0;
}

static int teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", locdir);
    return system(cmd) == 0 ? 0 : 1;
}

static bool use_comma(void)
{
    if (!comma) {
        CU_FAIL("cannot build the de_DE.UTF-8 locale with localedef (Debian's locales package)");
        return false;
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(setlocale(LC_NUMERIC, comma));
    char buf[16];
    snprintf(buf, sizeof buf, "%.1f", 1.5);
    CU_ASSERT_STRING_EQUAL(buf, "1,5"); /* the locale really writes commas */
    return true;
}

static void test_scenario(void)
{
    static const char *text = "[input]\nunits = u.gpkg\nunits.households = hh\n[atoms]\nsnap = 1.5\n"
                              "[grid]\nhouseholds = 300.5..500.25\n[solver]\ngap = 0.001\n";
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    if (!use_comma()) {
        gp_ctx_destroy(ctx);
        return;
    }
    gp_scenario *sc = NULL;
    CU_ASSERT_EQUAL_FATAL(gp_scenario_parse(ctx, text, "t.ini", "/d", &sc), GP_OK);
    const gp_config *cfg = gp_scenario_config(sc);
    CU_ASSERT_DOUBLE_EQUAL(cfg->atoms.snap, 1.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(cfg->grid.households.lo, 300.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(cfg->grid.households.hi, 500.25, 0);
    CU_ASSERT_DOUBLE_EQUAL(cfg->solver.gap, 0.001, 0);
    gp_scenario_destroy(sc);
    /* "1,5" is not a number here either */
    CU_ASSERT_EQUAL(gp_scenario_parse(ctx, "[input]\nunits = u.gpkg\nunits.households = hh\n[atoms]\nsnap = 1,5\n",
                                      "t.ini", "/d", &sc), GP_ERR_SCENARIO);
    setlocale(LC_NUMERIC, "C");
    gp_ctx_destroy(ctx);
}

/* A file's text less the lines that hold run times. */
static char *read_timeless(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *out = malloc(cap), line[8192];
    while (out && fgets(line, sizeof line, f)) {
        if (strstr(line, "\"seconds\"") || strstr(line, "\"elapsed_s\"") || strstr(line, "\"created\""))
            continue;
        size_t l = strlen(line);
        if (n + l + 1 > cap) {
            char *t = realloc(out, cap *= 2);
            if (!t) {
                free(out);
                out = NULL;
                break;
            }
            out = t;
        }
        memcpy(out + n, line, l);
        n += l;
    }
    if (out)
        out[n] = '\0';
    fclose(f);
    return out;
}

/* The demo into dir with LC_NUMERIC = locale for the process (global) or
 * for this thread alone (as a threaded host would set it). */
static void run_demo(const char *locale, bool global, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/datasets/demo/scenario.ini", cu_source_dir());
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    locale_t own = (locale_t)0, prev = (locale_t)0;
    if (global) {
        CU_ASSERT_PTR_NOT_NULL_FATAL(setlocale(LC_NUMERIC, locale));
    } else {
        own = newlocale(LC_NUMERIC_MASK, locale, (locale_t)0);
        CU_ASSERT_FATAL(own != (locale_t)0);
        prev = uselocale(own);
    }
    gp_scenario *sc = NULL;
    CU_ASSERT_EQUAL_FATAL(gp_scenario_load(ctx, path, &sc), GP_OK);
    CU_ASSERT_EQUAL_FATAL(gp_scenario_set(ctx, sc, "output", "dir", dir), GP_OK);
    gp_run_summary sum;
    gp_status st = gp_run(ctx, sc, &sum);
    CU_ASSERT_EQUAL(st, GP_OK);
    if (st)
        fprintf(stderr, "cu_locale: %s\n", gp_ctx_errmsg(ctx));
    CU_ASSERT_EQUAL(sum.grids, 41);
    /* the host keeps its own locale */
    char buf[16];
    snprintf(buf, sizeof buf, "%.1f", 1.5);
    CU_ASSERT_STRING_EQUAL(buf, strcmp(locale, "C") == 0 ? "1.5" : "1,5");
    if (global) {
        CU_ASSERT_STRING_EQUAL(setlocale(LC_NUMERIC, NULL), locale);
        setlocale(LC_NUMERIC, "C");
    } else {
        uselocale(prev);
        freelocale(own);
    }
    gp_scenario_destroy(sc);
    gp_ctx_destroy(ctx);
}

static void test_report(void)
{
    if (!use_comma())
        return;
    setlocale(LC_NUMERIC, "C");
    char c_dir[4200], global_dir[4200], thread_dir[4200];
    snprintf(c_dir, sizeof c_dir, "%s/c", locdir);
    snprintf(global_dir, sizeof global_dir, "%s/global", locdir);
    snprintf(thread_dir, sizeof thread_dir, "%s/thread", locdir);
    run_demo("C", true, c_dir);
    run_demo(comma, true, global_dir);
    run_demo(comma, false, thread_dir);
    static const char *const files[] = {"report.json", "assignments.csv"};
    for (int k = 0; k < 4; k++) {
        char a[4300], b[4300];
        snprintf(a, sizeof a, "%s/%s", c_dir, files[k / 2]);
        snprintf(b, sizeof b, "%s/%s", k % 2 ? thread_dir : global_dir, files[k / 2]);
        char *ta = read_timeless(a), *tb = read_timeless(b);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ta);
        CU_ASSERT_PTR_NOT_NULL_FATAL(tb);
        CU_ASSERT_PTR_NOT_NULL(strstr(ta, "0.5")); /* numbers with decimals are in them */
        CU_ASSERT_STRING_EQUAL(ta, tb);
        free(ta), free(tb);
    }
}

void register_locale_suite(void)
{
    static const cu_case cases[] = {{"scenario numbers under a comma locale", test_scenario},
                                    {"report.json under a comma locale", test_report},
                                    {NULL, NULL}};
    CU_pSuite s = CU_add_suite("locale", setup, teardown);
    for (const cu_case *c = cases; c->name; c++)
        CU_add_test(s, c->name, c->fn);
}
