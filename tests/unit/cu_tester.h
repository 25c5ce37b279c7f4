#ifndef CU_TESTER_H
#define CU_TESTER_H

#include <CUnit/CUnit.h>

void register_util_suite(void);
void register_scenario_suite(void);
void register_partition_suite(void);
void register_spatial_suite(void);
void register_cells_suite(void);
void register_load_suite(void);
void register_glpk_suite(void);
void register_realdata_suite(void);
void register_locale_suite(void);
void register_cancel_suite(void);

/* Adds a suite with its tests; NULL-terminated list of {name, fn}. */
typedef struct { const char *name; CU_TestFunc fn; } cu_case;
void cu_add_suite(const char *name, const cu_case *cases);

/* A geometry from WKT in ctx's GEOS handle; fails the test if unreadable. */
struct gp_ctx;
struct GEOSGeom_t;
struct GEOSGeom_t *cu_wkt(struct gp_ctx *ctx, const char *wkt);

/* The source tree and the shared data folder (NULL when absent). */
const char *cu_source_dir(void);
const char *cu_shared_dir(void);

#endif
