/*
 * geo: geometry of a run. Projection (PROJ), repair and spatial indexes
 * (GEOS), the tessellation, atoms, apportioning of counts, cases attached
 * to atoms, the adjacency graph, and grids dissolved from their atoms.
 */
#ifndef GP_GEO_H
#define GP_GEO_H

#include "config/config.h"
#include "data/data.h"

/* ---- projection (proj.c) ---------------------------------------------------- */

typedef struct gp_proj gp_proj;
/* A transformation from src_def (any definition PROJ accepts: WKT,
 * PROJJSON, "EPSG:n") to dst_def, always x = easting/longitude.
 * what names the input in error messages. */
gp_status gp_proj_create(gp_ctx *ctx, const char *src_def, const char *dst_def, const char *what,
                         gp_proj **out);
void gp_proj_destroy(gp_proj *p);
bool gp_proj_point(gp_proj *p, double *x, double *y);
/* A new geometry in the target CRS, or NULL when a point fails. */
GEOSGeometry *gp_proj_geom(gp_ctx *ctx, gp_proj *p, const GEOSGeometry *g);
/* "EPSG:326zz"/"EPSG:327zz" for the UTM zone holding (x, y) given in src_def. */
gp_status gp_proj_auto_utm(gp_ctx *ctx, const char *src_def, double x, double y, const char *what,
                           char *out, size_t out_len);

/* ---- geometry helpers (geom.c) ---------------------------------------------- */

/* The polygonal parts of g (overlay and MakeValid results may add lines or
 * points), as a Polygon or MultiPolygon; NULL when there is none. Takes
 * ownership of g. */
GEOSGeometry *gp_geom_polygonal(gp_ctx *ctx, GEOSGeometry *g);
/* g made valid (takes ownership; NULL when nothing polygonal is left);
 * *repaired is set when it was not valid. */
GEOSGeometry *gp_geom_repair(gp_ctx *ctx, GEOSGeometry *g, bool *repaired);
/* The same, with GEOS's reason it was invalid ("Self-intersection[x y]")
 * into why when it was repaired. */
GEOSGeometry *gp_geom_repair_why(gp_ctx *ctx, GEOSGeometry *g, bool *repaired, char *why, size_t len);
/* An STR-tree over n geometries, geometry i at first + i * stride bytes
 * (NULL ones left out); the geometries stay the caller's. NULL when GEOS
 * fails. */
GEOSSTRtree *gp_tree_build(gp_ctx *ctx, const void *first, size_t stride, int n);
/* Indexes of the geometries whose envelope meets g, ascending, into hits
 * (emptied first): a deterministic order, whatever the tree's. */
void gp_tree_query(gp_ctx *ctx, GEOSSTRtree *t, const GEOSGeometry *g, gp_ivec *hits);
/* Index of the geometry nearest g (exact distance), -1 when the tree is
 * empty; geometry i at first + i * stride as given to gp_tree_build. */
int gp_tree_nearest(gp_ctx *ctx, GEOSSTRtree *t, const void *first, size_t stride, const GEOSGeometry *g);

/* Warns (naming both, up to 5 pairs) about polygons that overlap by more
 * than 1 m2 and 1 % of the smaller: geometry i at first_geom + i * stride,
 * its id the char * at first_id + i * stride; what: "units" or
 * "communities". Returns the number of such pairs. */
int gp_geom_warn_overlaps(gp_ctx *ctx, const char *path, const char *what, const void *first_geom,
                          const void *first_id, size_t stride, int n);

/* ---- atoms, counts, cases, graph ------------------------------------------- */

/* Transfers nv counts per unit (uval, n_units x nv) to the targets (tval,
 * n_targets x nv, added to), by overlap area over each unit's area inside
 * the targets (by weighted area when weights is given); a unit that
 * overlaps no target goes to the nearest (moved_to[u] = that target, else
 * -1). Every unit's counts are handed out exactly. convex (may be NULL)
 * marks targets known to be convex polygons (whole cells): their overlap
 * areas take a faster exact path (apportion.c). */
gp_status gp_apportion(gp_ctx *ctx, GEOSGeometry *const *units, const double *uval, int n_units, int nv,
                       GEOSGeometry *const *targets, const bool *convex, int n_targets, const gp_weights *weights,
                       double *tval, int *moved_to);
/* Atoms from units, or from cells with apportioned counts (atomize.c). */
gp_status gp_atomize(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds);
/* Maps every atom to the existing grid it overlaps most (atomize.c). */
gp_status gp_existing_map(gp_ctx *ctx, gp_dataset *ds);
/* Each community's atoms_digest: a SHA-256 of its atoms (ids, counts, case
 * load, workload, polygons in the working CRS), in id order; what an update
 * compares with the previous output (geo/digest.c). */
gp_status gp_atoms_digest(gp_ctx *ctx, gp_dataset *ds);
/* Cells clipped to each community, handed to emit in community order
 * (tessellate.c); emit owns g. */
gp_status gp_cells_make(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds,
                        gp_status (*emit)(gp_ctx *, gp_dataset *, int comm, GEOSGeometry *g, long i, long j,
                                          bool whole, void *),
                        void *user);
/* Cases to atoms, each atom's case counts, case load and workload (cases.c). */
gp_status gp_cases_attach(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds);
/* The adjacency graph of atoms inside each community, islands bridged
 * (graph.c). */
gp_status gp_graph_build(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds);
/* Each grid of the plan: its sums, its polygon dissolved from its atoms,
 * area, perimeter and Polsby-Popper (dissolve.c). */
gp_status gp_plan_build_grids(gp_ctx *ctx, gp_dataset *ds, gp_plan *plan);

#endif
