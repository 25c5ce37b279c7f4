/* Cells mode and apportioning on hand-made geometry: cells cover each
 * community exactly, counts are apportioned by area and preserved, the
 * convex fast path agrees with a general overlay, lattice adjacency agrees
 * with geometry, dasymetric weights steer counts. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_tester.h"
#include "io/io.h"
#include "plan/plan.h"

#define wkt cu_wkt

/* Length of b's boundary within 1 cm of a. */
static double shared(gp_ctx *ctx, const GEOSGeometry *a, const GEOSGeometry *b)
{
    GEOSGeometry *ab = GEOSBuffer_r(ctx->geos, a, 0.01, 2), *bb = GEOSBoundary_r(ctx->geos, b);
    GEOSGeometry *x = GEOSIntersection_r(ctx->geos, ab, bb);
    double len = 0;
    GEOSLength_r(ctx->geos, x, &len);
    GEOSGeom_destroy_r(ctx->geos, x);
    GEOSGeom_destroy_r(ctx->geos, ab);
    GEOSGeom_destroy_r(ctx->geos, bb);
    return len;
}

static gp_scenario *scn(gp_ctx *ctx, const char *atoms)
{
    char text[512];
    snprintf(text, sizeof text, "[input]\nunits = u.gpkg\nunits.households = hh\nunits.population = pop\n[atoms]\n%s",
             atoms);
    gp_scenario *sc = NULL;
    CU_ASSERT_EQUAL_FATAL(gp_scenario_parse(ctx, text, "t.ini", "/", &sc), GP_OK);
    return sc;
}

static void add(gp_ctx *ctx, gp_dataset *ds, bool unit, const char *id, const char *w, double hh, double pop)
{
    if (unit) {
        ds->units = realloc(ds->units, (size_t)(ds->n_units + 1) * sizeof *ds->units);
        gp_unit *u = &ds->units[ds->n_units++];
        memset(u, 0, sizeof *u);
        u->id = gp_strdup(id);
        u->geom = wkt(ctx, w);
        GEOSArea_r(ctx->geos, u->geom, &u->area);
        u->hh = hh, u->pop = pop;
    } else {
        ds->comms = realloc(ds->comms, (size_t)(ds->n_comms + 1) * sizeof *ds->comms);
        gp_community *c = &ds->comms[ds->n_comms++];
        memset(c, 0, sizeof *c);
        c->id = gp_strdup(id);
        c->name = gp_strdup(id);
        c->geom = wkt(ctx, w);
    }
}

/* An L-shaped community and a triangle one, units across both. */
static void district(gp_ctx *ctx, gp_dataset *ds)
{
    add(ctx, ds, false, "L", "POLYGON((0 0,1000 0,1000 400,400 400,400 1000,0 1000,0 0))", 0, 0);
    add(ctx, ds, false, "T", "POLYGON((1000 0,1600 0,1000 1000,1000 0))", 0, 0);
    add(ctx, ds, true, "a", "POLYGON((0 0,700 0,700 700,0 700,0 0))", 300, 700);
    add(ctx, ds, true, "b", "POLYGON((700 0,1300 0,1300 400,700 400,700 0))", 200, 500);
    add(ctx, ds, true, "c", "POLYGON((0 700,400 700,400 1000,0 1000,0 700))", 50, 120);
    add(ctx, ds, true, "d", "POLYGON((1000 400,1300 400,1000 900,1000 400))", 10, 30);
    add(ctx, ds, true, "sea", "POLYGON((2000 0,2100 0,2100 100,2000 100,2000 0))", 7, 11); /* outside */
}

static void check_cells(const char *atoms, int expect_whole_min)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds = {0};
    district(ctx, &ds);
    gp_scenario *sc = scn(ctx, atoms);
    CU_ASSERT_EQUAL_FATAL(gp_atomize(ctx, gp_scenario_config(sc), &ds), GP_OK);
    CU_ASSERT_EQUAL_FATAL(gp_graph_build(ctx, gp_scenario_config(sc), &ds), GP_OK);
    /* mass: every unit, including the one outside, is handed out exactly */
    double hh = 0, pop = 0;
    for (int i = 0; i < ds.n_atoms; i++)
        hh += ds.atoms[i].v[GP_A_HH], pop += ds.atoms[i].v[GP_A_POP];
    CU_ASSERT_DOUBLE_EQUAL(hh, 567, 1e-9 * 567);
    CU_ASSERT_DOUBLE_EQUAL(pop, 1361, 1e-9 * 1361);
    CU_ASSERT_EQUAL(ds.n_units_moved, 1);
    /* cells cover each community exactly, inside it */
    int whole = 0;
    for (int c = 0; c < ds.n_comms; c++) {
        double ca, sum = 0;
        GEOSArea_r(ctx->geos, ds.comms[c].geom, &ca);
        for (int i = ds.comms[c].first_atom; i < ds.comms[c].first_atom + ds.comms[c].n_atoms; i++) {
            CU_ASSERT_EQUAL(ds.atoms[i].community, c);
            sum += ds.atoms[i].area;
            whole += ds.atoms[i].cell;
            GEOSGeometry *b = GEOSBuffer_r(ctx->geos, ds.comms[c].geom, 1e-6, 2);
            CU_ASSERT_EQUAL(GEOSContains_r(ctx->geos, b, ds.atoms[i].geom), 1);
            GEOSGeom_destroy_r(ctx->geos, b);
        }
        CU_ASSERT_DOUBLE_EQUAL(sum, ca, 1e-6 * ca);
    }
    CU_ASSERT(whole >= expect_whole_min);
    /* the lattice fast path gives the same neighbours as geometry: every
     * edge joins atoms sharing boundary, every whole-cell pair sharing a
     * side is an edge */
    /* (pieces cut by a community boundary meet at points computed twice,
     * equal to within rounding: compare with a 1 cm tolerance) */
    for (int i = 0; i < ds.n_atoms; i++)
        for (int e = ds.xadj[i]; e < ds.xadj[i + 1]; e++)
            CU_ASSERT(shared(ctx, ds.atoms[i].geom, ds.atoms[ds.adj[e]].geom) > 1.0);
    int missing = 0;
    for (int i = 0; i < ds.n_atoms; i++)
        for (int j = i + 1; j < ds.n_atoms; j++) {
            if (ds.atoms[i].community != ds.atoms[j].community)
                continue;
            if (shared(ctx, ds.atoms[i].geom, ds.atoms[j].geom) < 3.5)
                continue;
            bool found = false;
            for (int e = ds.xadj[i]; e < ds.xadj[i + 1]; e++)
                found |= ds.adj[e] == j;
            missing += !found;
        }
    CU_ASSERT_EQUAL(missing, 0);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);
    gp_ctx_destroy(ctx);
}

static void test_hex(void) { check_cells("mode = cells\nshape = hex\nsize = 100\n", 50); }
static void test_square(void) { check_cells("mode = cells\nshape = square\nsize = 90\n", 50); }

/* Apportioning by hand: a 100 x 100 unit over a 2 x 2 block of 50 m
 * squares, shifted by 25 m: shares 9/16, 3/16, 3/16, 1/16. */
static void test_shares(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    GEOSGeometry *u = wkt(ctx, "POLYGON((25 25,125 25,125 125,25 125,25 25))");
    GEOSGeometry *t[4] = {wkt(ctx, "POLYGON((0 0,100 0,100 100,0 100,0 0))"),
                          wkt(ctx, "POLYGON((100 0,200 0,200 100,100 100,100 0))"),
                          wkt(ctx, "POLYGON((0 100,100 100,100 200,0 200,0 100))"),
                          wkt(ctx, "POLYGON((100 100,200 100,200 200,100 200,100 100))")};
    double uv[1] = {160}, tv[4] = {0}, tv2[4] = {0};
    int moved[1];
    bool convex[4] = {true, true, true, true};
    CU_ASSERT_EQUAL(gp_apportion(ctx, &u, uv, 1, 1, t, convex, 4, NULL, tv, moved), GP_OK);
    CU_ASSERT_DOUBLE_EQUAL(tv[0], 90, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(tv[1], 30, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(tv[2], 30, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(tv[3], 10, 1e-9);
    CU_ASSERT_EQUAL(moved[0], -1);
    /* the general overlay agrees */
    CU_ASSERT_EQUAL(gp_apportion(ctx, &u, uv, 1, 1, t, NULL, 4, NULL, tv2, moved), GP_OK);
    for (int k = 0; k < 4; k++)
        CU_ASSERT_DOUBLE_EQUAL(tv[k], tv2[k], 1e-9);
    GEOSGeom_destroy_r(ctx->geos, u);
    for (int k = 0; k < 4; k++)
        GEOSGeom_destroy_r(ctx->geos, t[k]);
    gp_ctx_destroy(ctx);
}

/* The convex fast path against GEOS on awkward units: concave, holes,
 * several parts, spikes; hexagon targets. */
static void test_convex_path(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    static const char *U[] = {
        "POLYGON((10 10,290 30,150 140,280 270,20 280,120 150,10 10))",
        "POLYGON((0 0,300 0,300 300,0 300,0 0),(50 50,250 60,240 250,60 240,50 50))",
        "MULTIPOLYGON(((0 0,90 0,90 90,0 0)),((120 120,300 120,300 300,120 120)))",
        "POLYGON((0 0,300 0,300 10,150 10,150 290,140 290,140 10,0 10,0 0))",
    };
    gp_dataset ds = {0};
    add(ctx, &ds, false, "C", "POLYGON((-50 -50,350 -50,350 350,-50 350,-50 -50))", 0, 0);
    gp_scenario *sc = scn(ctx, "mode = cells\nshape = hex\nsize = 40\n");
    for (int k = 0; k < 4; k++)
        add(ctx, &ds, true, "u", U[k], 1000 * (k + 1), 0);
    /* cells of the community via the atomizer's tessellation */
    CU_ASSERT_EQUAL_FATAL(gp_atomize(ctx, gp_scenario_config(sc), &ds), GP_OK);
    int na = ds.n_atoms;
    GEOSGeometry **tg = malloc((size_t)na * sizeof *tg);
    bool *cv = malloc((size_t)na * sizeof *cv);
    double *a1 = calloc((size_t)na, sizeof *a1), *a2 = calloc((size_t)na, sizeof *a2);
    int moved[4];
    for (int i = 0; i < na; i++)
        tg[i] = ds.atoms[i].geom, cv[i] = ds.atoms[i].cell;
    for (int k = 0; k < 4; k++) {
        double uv = 1000;
        memset(a1, 0, (size_t)na * sizeof *a1);
        memset(a2, 0, (size_t)na * sizeof *a2);
        CU_ASSERT_EQUAL(gp_apportion(ctx, &ds.units[k].geom, &uv, 1, 1, tg, cv, na, NULL, a1, moved), GP_OK);
        CU_ASSERT_EQUAL(gp_apportion(ctx, &ds.units[k].geom, &uv, 1, 1, tg, NULL, na, NULL, a2, moved), GP_OK);
        double s = 0, worst = 0;
        for (int i = 0; i < na; i++) {
            s += a1[i];
            worst = fmax(worst, fabs(a1[i] - a2[i]));
        }
        CU_ASSERT_DOUBLE_EQUAL(s, 1000, 1e-9);
        CU_ASSERT(worst < 1e-7);
    }
    free(tg), free(cv), free(a1), free(a2);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);
    gp_ctx_destroy(ctx);
}

/* Dasymetric: all weight on the east half sends all counts east. */
static void test_weights(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    GEOSGeometry *u = wkt(ctx, "POLYGON((0 0,200 0,200 100,0 100,0 0))");
    GEOSGeometry *t[2] = {wkt(ctx, "POLYGON((0 0,100 0,100 100,0 100,0 0))"),
                          wkt(ctx, "POLYGON((100 0,200 0,200 100,100 100,100 0))")};
    gp_weights w = {0};
    GEOSGeometry *wg[2] = {wkt(ctx, "POLYGON((120 10,180 10,180 90,120 90,120 10))"),
                           wkt(ctx, "POLYGON((500 500,510 500,510 510,500 510,500 500))")};
    double ww[2] = {5, 1};
    w.geoms = wg;
    w.w = ww;
    w.n = 2;
    w.tree = gp_tree_build(ctx, wg, sizeof *wg, 2);
    double uv[1] = {100}, tv[2] = {0};
    int moved[1];
    CU_ASSERT_EQUAL(gp_apportion(ctx, &u, uv, 1, 1, t, NULL, 2, &w, tv, moved), GP_OK);
    CU_ASSERT_DOUBLE_EQUAL(tv[0], 0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(tv[1], 100, 1e-12);
    /* a unit the weights do not reach falls back to plain areas */
    GEOSGeometry *u2 = wkt(ctx, "POLYGON((0 0,100 0,100 100,0 100,0 0))");
    GEOSGeometry *t2[2] = {wkt(ctx, "POLYGON((0 0,25 0,25 100,0 100,0 0))"),
                           wkt(ctx, "POLYGON((25 0,100 0,100 100,25 100,25 0))")};
    double tv2[2] = {0};
    CU_ASSERT_EQUAL(gp_apportion(ctx, &u2, uv, 1, 1, t2, NULL, 2, &w, tv2, moved), GP_OK);
    CU_ASSERT_DOUBLE_EQUAL(tv2[0], 25, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(tv2[1], 75, 1e-9);
    GEOSSTRtree_destroy_r(ctx->geos, w.tree);
    GEOSGeometry *all[] = {u, t[0], t[1], wg[0], wg[1], u2, t2[0], t2[1]};
    for (int i = 0; i < 8; i++)
        GEOSGeom_destroy_r(ctx->geos, all[i]);
    gp_ctx_destroy(ctx);
}

void register_cells_suite(void)
{
    static const cu_case cases[] = {{"hexagons", test_hex},
                                    {"squares", test_square},
                                    {"shares by hand", test_shares},
                                    {"convex path = overlay", test_convex_path},
                                    {"dasymetric weights", test_weights},
                                    {NULL, NULL}};
    cu_add_suite("cells", cases);
}
