/* Spatial stages on hand-made geometry (WKT, metres): apportioning by
 * area, mass preservation, cases in atoms, adjacency with a tolerance,
 * island bridging. Expected values are computed by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_tester.h"
#include "io/io.h"
#include "plan/plan.h"

#define wkt cu_wkt

static char *box(double x0, double y0, double x1, double y1)
{
    char *s = malloc(256);
    snprintf(s, 256, "POLYGON((%g %g,%g %g,%g %g,%g %g,%g %g))", x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    return s;
}

static void add_unit(gp_ctx *ctx, gp_dataset *ds, const char *id, double x0, double y0, double x1, double y1,
                     double hh, double pop)
{
    ds->units = realloc(ds->units, (size_t)(ds->n_units + 1) * sizeof *ds->units);
    gp_unit *u = &ds->units[ds->n_units++];
    memset(u, 0, sizeof *u);
    char *s = box(x0, y0, x1, y1);
    u->id = gp_strdup(id);
    u->geom = wkt(ctx, s);
    free(s);
    u->hh = hh, u->pop = pop;
    ds->in_units.sum_hh += hh;
    ds->in_units.sum_pop += pop;
}

static void add_comm(gp_ctx *ctx, gp_dataset *ds, const char *id, double x0, double y0, double x1, double y1)
{
    ds->comms = realloc(ds->comms, (size_t)(ds->n_comms + 1) * sizeof *ds->comms);
    gp_community *c = &ds->comms[ds->n_comms++];
    memset(c, 0, sizeof *c);
    char *s = box(x0, y0, x1, y1);
    c->id = gp_strdup(id);
    c->name = gp_strdup(id);
    c->geom = wkt(ctx, s);
    free(s);
}

static gp_scenario *scenario(gp_ctx *ctx, const char *extra)
{
    char text[1024];
    snprintf(text, sizeof text, "[input]\nunits = u.gpkg\nunits.households = hh\nunits.population = pop\n%s",
             extra ? extra : "");
    gp_scenario *sc = NULL;
    CU_ASSERT_EQUAL_FATAL(gp_scenario_parse(ctx, text, "t.ini", "/", &sc), GP_OK);
    return sc;
}

static const gp_atom *atom_named(const gp_dataset *ds, const char *id)
{
    for (int i = 0; i < ds->n_atoms; i++)
        if (strcmp(ds->atoms[i].id, id) == 0)
            return &ds->atoms[i];
    return NULL;
}

static void test_split_30_70(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds = {0};
    add_comm(ctx, &ds, "A", 0, 0, 100, 100);
    add_comm(ctx, &ds, "B", 100, 0, 200, 100);
    add_unit(ctx, &ds, "u1", 0, 0, 70, 100, 40, 100);      /* inside A */
    add_unit(ctx, &ds, "u2", 70, 0, 170, 100, 100, 250);   /* 30 m in A, 70 m in B */
    add_unit(ctx, &ds, "u3", 170, 0, 200, 100, 10, 20);    /* inside B */
    add_unit(ctx, &ds, "u4", 300, 0, 320, 100, 7, 13);     /* wholly outside: to u3, nearest in B */
    gp_scenario *sc = scenario(ctx, NULL);
    CU_ASSERT_EQUAL_FATAL(gp_atomize(ctx, gp_scenario_config(sc), &ds), GP_OK);
    CU_ASSERT_EQUAL(ds.n_atoms, 4);
    const gp_atom *a = atom_named(&ds, "u2/A"), *b = atom_named(&ds, "u2/B");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_DOUBLE_EQUAL(a->v[GP_A_HH], 30, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(b->v[GP_A_HH], 70, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(a->v[GP_A_POP], 75, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(b->v[GP_A_POP], 175, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(a->area, 3000, 1e-6);
    CU_ASSERT_EQUAL(ds.comms[a->community].id[0], 'A');
    /* atoms are grouped by community */
    for (int c = 0; c < ds.n_comms; c++)
        for (int i = ds.comms[c].first_atom; i < ds.comms[c].first_atom + ds.comms[c].n_atoms; i++)
            CU_ASSERT_EQUAL(ds.atoms[i].community, c);
    /* the unit outside every community is not lost */
    double hh = 0, pop = 0;
    for (int i = 0; i < ds.n_atoms; i++)
        hh += ds.atoms[i].v[GP_A_HH], pop += ds.atoms[i].v[GP_A_POP];
    CU_ASSERT_DOUBLE_EQUAL(hh, 157, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(pop, 383, 1e-9);
    CU_ASSERT_EQUAL(ds.n_units_moved, 1);
    CU_ASSERT_DOUBLE_EQUAL(ds.pop_moved, 13, 0);
    CU_ASSERT_DOUBLE_EQUAL(atom_named(&ds, "u3")->v[GP_A_HH], 17, 0);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);
    gp_ctx_destroy(ctx);
}

static void test_sliver_not_split(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds = {0};
    add_comm(ctx, &ds, "A", 0, 0, 100, 100);
    add_comm(ctx, &ds, "B", 100, 0, 200, 100);
    /* 0.5% of the unit pokes into B: a boundary mismatch, not a split */
    add_unit(ctx, &ds, "u", 0.5, 0, 100.5, 100, 300, 777);
    /* a unit half outside the study area keeps all its counts */
    add_unit(ctx, &ds, "edge", 150, 50, 250, 100, 10, 10);
    gp_scenario *sc = scenario(ctx, NULL);
    CU_ASSERT_EQUAL_FATAL(gp_atomize(ctx, gp_scenario_config(sc), &ds), GP_OK);
    CU_ASSERT_EQUAL(ds.n_atoms, 2);
    const gp_atom *u = atom_named(&ds, "u"), *e = atom_named(&ds, "edge");
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_DOUBLE_EQUAL(u->v[GP_A_HH], 300, 0);
    CU_ASSERT_DOUBLE_EQUAL(u->v[GP_A_POP], 777, 0);
    CU_ASSERT_DOUBLE_EQUAL(e->v[GP_A_HH], 10, 0);
    CU_ASSERT_DOUBLE_EQUAL(e->area, 2500, 1e-6); /* clipped to B */
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);
    gp_ctx_destroy(ctx);
}

static void test_cases_and_workload(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds = {0};
    add_comm(ctx, &ds, "A", 0, 0, 200, 100);
    add_unit(ctx, &ds, "w", 0, 0, 100, 100, 10, 20);
    add_unit(ctx, &ds, "e", 100, 0, 200, 100, 20, 40);
    gp_scenario *sc = scenario(ctx, "[workload]\nhouseholds = 1\ncases = 2\n");
    CU_ASSERT_EQUAL_FATAL(gp_atomize(ctx, gp_scenario_config(sc), &ds), GP_OK);
    static const double pts[][3] = {{50, 50, 0}, {150, 50, 1}, {100, 50, 1}, {150, 10, 0}, {500, 500, 0}};
    ds.n_cases = 5;
    ds.cases = calloc(5, sizeof *ds.cases);
    ds.n_case_types = 2;
    ds.case_types = calloc(2, sizeof *ds.case_types);
    ds.case_types[0] = gp_strdup("sanitation");
    ds.case_types[1] = gp_strdup("dispute");
    ds.case_weights = malloc(2 * sizeof *ds.case_weights);
    ds.case_weights[0] = 1;
    ds.case_weights[1] = 3;
    for (int k = 0; k < 5; k++)
        ds.cases[k] = (gp_case){pts[k][0], pts[k][1], (int)pts[k][2], -1};
    CU_ASSERT_EQUAL_FATAL(gp_cases_attach(ctx, gp_scenario_config(sc), &ds), GP_OK);
    const gp_atom *w = atom_named(&ds, "w"), *e = atom_named(&ds, "e");
    /* the point on the shared edge goes to the first atom in order: w */
    CU_ASSERT_DOUBLE_EQUAL(w->v[GP_A_CASES], 2, 0);
    CU_ASSERT_DOUBLE_EQUAL(e->v[GP_A_CASES], 2, 0);
    CU_ASSERT_DOUBLE_EQUAL(w->v[GP_A_LOAD], 1 + 3, 0);
    CU_ASSERT_DOUBLE_EQUAL(e->v[GP_A_LOAD], 3 + 1, 0);
    CU_ASSERT_EQUAL(ds.n_cases_unmatched, 1);
    CU_ASSERT_DOUBLE_EQUAL(w->v[GP_A_WORK], 10 + 2 * 4, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(e->v[GP_A_WORK], 20 + 2 * 4, 1e-12);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);
    gp_ctx_destroy(ctx);
}

static bool adjacent(const gp_dataset *ds, const char *a, const char *b)
{
    int ia = (int)(atom_named(ds, a) - ds->atoms), ib = (int)(atom_named(ds, b) - ds->atoms);
    for (int e = ds->xadj[ia]; e < ds->xadj[ia + 1]; e++)
        if (ds->adj[e] == ib)
            return true;
    return false;
}

static void test_adjacency(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds = {0};
    add_comm(ctx, &ds, "A", -10, -10, 400, 400);
    /* 2x2 blocks of 100 m with 0.4 m gaps (streets digitised apart) */
    add_unit(ctx, &ds, "sw", 0, 0, 100, 100, 1, 1);
    add_unit(ctx, &ds, "se", 100.4, 0, 200, 100, 1, 1);
    add_unit(ctx, &ds, "nw", 0, 100.4, 100, 200, 1, 1);
    add_unit(ctx, &ds, "ne", 100.4, 100.4, 200, 200, 1, 1);
    /* an island 100 m away */
    add_unit(ctx, &ds, "isle", 300, 0, 350, 50, 1, 1);
    gp_scenario *sc = scenario(ctx, "[atoms]\nsnap = 1\n");
    CU_ASSERT_EQUAL_FATAL(gp_atomize(ctx, gp_scenario_config(sc), &ds), GP_OK);
    CU_ASSERT_EQUAL_FATAL(gp_graph_build(ctx, gp_scenario_config(sc), &ds), GP_OK);
    CU_ASSERT(adjacent(&ds, "sw", "se"));
    CU_ASSERT(adjacent(&ds, "sw", "nw"));
    CU_ASSERT(adjacent(&ds, "ne", "nw"));
    CU_ASSERT(!adjacent(&ds, "sw", "ne")); /* corner only */
    CU_ASSERT(!adjacent(&ds, "se", "nw"));
    CU_ASSERT(adjacent(&ds, "isle", "se")); /* bridged to the nearest */
    CU_ASSERT_EQUAL(ds.n_bridges, 1);
    CU_ASSERT(adjacent(&ds, "se", "isle")); /* symmetric */
    /* shared length is the edge weight: about 100 m */
    int isw = (int)(atom_named(&ds, "sw") - ds.atoms);
    for (int e = ds.xadj[isw]; e < ds.xadj[isw + 1]; e++)
        CU_ASSERT(fabs(ds.adjw[e] - 100) < 2);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);

    /* with no tolerance the gaps cut the graph: all bridged */
    gp_dataset d2 = {0};
    add_comm(ctx, &d2, "A", -10, -10, 400, 400);
    add_unit(ctx, &d2, "sw", 0, 0, 100, 100, 1, 1);
    add_unit(ctx, &d2, "se", 100.4, 0, 200, 100, 1, 1);
    add_unit(ctx, &d2, "x", 0, 100, 100, 200, 1, 1);
    sc = scenario(ctx, "[atoms]\nsnap = 0\n");
    CU_ASSERT_EQUAL_FATAL(gp_atomize(ctx, gp_scenario_config(sc), &d2), GP_OK);
    CU_ASSERT_EQUAL_FATAL(gp_graph_build(ctx, gp_scenario_config(sc), &d2), GP_OK);
    CU_ASSERT(adjacent(&d2, "sw", "x")); /* exact shared edge */
    CU_ASSERT_EQUAL(d2.n_bridges, 1);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &d2);
    gp_ctx_destroy(ctx);
}

/* Review cases: a unit spread thin over many communities keeps its counts;
 * pieces touching another community along an edge stay polygons; a gap
 * that widens past the tolerance still joins neighbours where it is
 * narrow enough. */
static void test_edge_cases(void)
{
    gp_ctx *ctx;
    CU_ASSERT_FATAL(gp_ctx_create(&ctx) == GP_OK);
    gp_dataset ds = {0};
    char id[16];
    for (int r = 0; r < 11; r++)
        for (int c = 0; c < 11; c++) {
            snprintf(id, sizeof id, "C%d_%d", r, c);
            add_comm(ctx, &ds, id, c * 10, r * 10, c * 10 + 10, r * 10 + 10);
        }
    add_unit(ctx, &ds, "wide", 0, 0, 110, 110, 1000, 2000); /* 121 pieces of < 1% each */
    add_unit(ctx, &ds, "edge", 0, 110, 10, 120, 5, 5);       /* touches C10_0 along its top edge only */
    gp_scenario *sc = scenario(ctx, NULL);
    gp_status ast = gp_atomize(ctx, gp_scenario_config(sc), &ds);
    if (ast)
        fprintf(stderr, "\n[%s]\n", gp_ctx_errmsg(ctx));
    CU_ASSERT_EQUAL_FATAL(ast, GP_OK);
    double hh = 0;
    for (int i = 0; i < ds.n_atoms; i++) {
        hh += ds.atoms[i].v[GP_A_HH];
        int t = GEOSGeomTypeId_r(ctx->geos, ds.atoms[i].geom);
        CU_ASSERT(t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON);
    }
    CU_ASSERT_DOUBLE_EQUAL(hh, 1005, 1e-9);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &ds);

    /* two blocks whose facing sides drift from 0.5 m to 1.5 m apart over
     * 50 m: within 1 m for 25 m, so neighbours */
    gp_dataset d2 = {0};
    add_comm(ctx, &d2, "A", -10, -10, 200, 200);
    add_unit(ctx, &d2, "w", 0, 0, 50, 50, 1, 1);
    d2.units = realloc(d2.units, 2 * sizeof *d2.units);
    memset(&d2.units[1], 0, sizeof d2.units[1]);
    d2.units[1].id = gp_strdup("e");
    d2.units[1].geom = wkt(ctx, "POLYGON((50.5 0,100 0,100 50,51.5 50,50.5 0))");
    d2.units[1].hh = d2.units[1].pop = 1;
    d2.n_units = 2;
    sc = scenario(ctx, "[atoms]\nsnap = 1\n");
    CU_ASSERT_EQUAL_FATAL(gp_atomize(ctx, gp_scenario_config(sc), &d2), GP_OK);
    CU_ASSERT_EQUAL_FATAL(gp_graph_build(ctx, gp_scenario_config(sc), &d2), GP_OK);
    CU_ASSERT(adjacent(&d2, "w", "e"));
    CU_ASSERT_EQUAL(d2.n_bridges, 0);
    gp_scenario_destroy(sc);
    gp_dataset_free(ctx, &d2);
    gp_ctx_destroy(ctx);
}

void register_spatial_suite(void)
{
    static const cu_case cases[] = {{"unit split 30/70", test_split_30_70},
                                    {"slivers and edges", test_sliver_not_split},
                                    {"cases and workload", test_cases_and_workload},
                                    {"adjacency and bridges", test_adjacency},
                                    {"edge cases", test_edge_cases},
                                    {NULL, NULL}};
    cu_add_suite("spatial", cases);
}
