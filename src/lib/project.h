/* PROJ wrapper used by the load stage (project.c). */
#ifndef GP_PROJECT_H
#define GP_PROJECT_H

#include "internal.h"

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

#endif
