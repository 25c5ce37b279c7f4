/*
 * io: files in and out. Reading the scenario's inputs with GDAL/OGR
 * (projected and repaired on the way in), and writing the output folder:
 * the layers through a table of formats, the worker assignment table, and
 * the folder itself written under a temporary name and swapped in.
 */
#ifndef GP_IO_H
#define GP_IO_H

#include <gdal.h>
#include <ogr_api.h>

#include "geo/geo.h"

/* ---- reading (source.c, load.c, roster.c) -------------------------------- */

/* An input layer being read: the [input] source it comes from, the GDAL
 * dataset and layer, and its CRS. */
typedef struct gp_src {
    const gp_cfg_source *cfg;
    const char *path;            /* for messages: a database's without its password */
    const char *layer_name;
    GDALDatasetH ds;
    OGRLayerH lyr;
    char *srs_def;               /* WKT2 of the source CRS; NULL: a table without geometry */
    char srs_name[128];
    bool zero_area;              /* the last polygon gp_src_geom gave as none had no area */
    char *shown;                 /* a database's connection string as path shows it (owned) */
} gp_src;

/* Opens an [input] source with GDAL (CSV columns from the scenario; a
 * "PG:" connection string with the PostgreSQL driver alone); NULL on
 * failure, with GDAL's message in CPLGetLastErrorMsg(). */
GDALDatasetH gp_open_vector(const gp_cfg_source *src);
/* Whether field is the WKT or a coordinate column of a CSV source: GDAL
 * keeps those as fields beside the geometry they make. */
bool gp_src_geom_column(const gp_cfg_source *src, const char *field);
/* Opens src's layer and reads its CRS; the messages name the file, the
 * layer and the key to fix (scenario: the scenario file, for those). */
gp_status gp_src_open(gp_ctx *ctx, const gp_config *cfg, const gp_cfg_source *src, gp_src *s);
void gp_src_close(gp_src *s);
/* The index of field f of the layer (-1 when f names none and need not be
 * there); an error naming the fields there are when it must be. */
gp_status gp_src_field(gp_ctx *ctx, gp_src *s, const gp_cfg_field *f, int *idx);
/* The label of a feature in messages: its id field's value, else (also
 * when the value is not UTF-8) its FID. */
void gp_src_label(OGRFeatureH f, int id_idx, char *buf, size_t len);
/* Whether s is valid UTF-8. */
bool gp_utf8_valid(const char *s);
/* A text field of a feature into *out (NULL when idx < 0 or the field is
 * unset or NULL; GDAL's buffer: copy it before the next call), an error
 * naming where ("feature 'ID'", "row 3 (worker 'W003')") and the field
 * when it is not valid UTF-8. */
gp_status gp_src_text(gp_ctx *ctx, gp_src *s, OGRFeatureH f, int idx, const char *where, const char **out);
/* A count field of a feature: finite and >= 0, else an error. */
gp_status gp_src_count(gp_ctx *ctx, gp_src *s, OGRFeatureH f, int idx, const char *label, double *out);
/* A feature's geometry in GEOS (2D, linearized), projected with pj: NULL
 * with *st == GP_OK when it has none, or (s->zero_area set) when it is a
 * polygon without area in its own CRS (all its corners on a line: the
 * projection would make a sliver of it). polygonal: polygons expected,
 * else points. */
GEOSGeometry *gp_src_geom(gp_ctx *ctx, gp_src *s, gp_proj *pj, OGRFeatureH f, const char *label, bool polygonal,
                          gp_status *st);
/* Its path, layer, CRS, feature count and checksum into in. */
void gp_src_info(gp_src *s, gp_input_info *in);
/* Appends "what:label" (or "label" when what is "") to a list of strings;
 * false when out of memory. */
bool gp_src_note(char ***list, int *n, const char *what, const char *label);
/* Counts, lists and says that a polygon of s was repaired (why: GEOS's
 * reason, or NULL). */
void gp_src_note_repair(gp_ctx *ctx, gp_dataset *ds, gp_src *s, const char *label, const char *why);
/* Checks that ids are unique: the id of item i is the char * at
 * first_id + i * stride bytes; key names the scenario key for the message.
 * pos (may be NULL): where item i is, named in the message: its FID, or
 * with rows its row number. */
gp_status gp_check_unique(gp_ctx *ctx, const char *path, const char *key, const void *first_id, size_t stride,
                          int n, const long long *pos, bool rows);

/* Polygons and numeric fields of one input, projected. */
typedef struct gp_polys {
    int n, nf;
    GEOSGeometry **g;
    long long *fid;
    double *v;                   /* n x nf */
    int repaired;
    gp_input_info info;
} gp_polys;
/* Reads the polygons of src and the named fields. crs: the target CRS, or
 * "" to pick the UTM zone of the layer's centre (written back). Repairs
 * are counted in out, and listed in notes when given. */
gp_status gp_read_polygons(gp_ctx *ctx, const gp_config *cfg, const gp_cfg_source *src, char *crs, size_t crs_len,
                           const char *const *fields, int nf, gp_polys *out, gp_dataset *notes);
void gp_polys_free(gp_ctx *ctx, gp_polys *p);
/* Moves the polygons of p with a positive weight (its first field) into w
 * and indexes them; p keeps nothing to free but its arrays. */
gp_status gp_weights_take(gp_ctx *ctx, gp_polys *p, gp_weights *w);

/* The load stage: units, communities, cases, the plan in force, weights
 * and the roster, read, projected to the working CRS and repaired. */
gp_status gp_load(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds);
/* An update ([input] previous): the previous output's report.json and
 * atoms.gpkg into ds->prev, and ds->is_update set (io/previous.c). Nothing
 * without [input] previous. */
gp_status gp_previous_load(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds);

/* The roster ([input] workers) into ds; communities and the plan in force
 * must be loaded (roster.c). */
gp_status gp_load_roster(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_proj *pj, gp_src *s);

/* ---- writing (write.c, assignments.c, outdir.c) ---------------------------- */

/* A format the layers can be written in: one entry of the writers' table. */
typedef struct gp_format gp_format;

/* Where and how the layers are written. */
typedef struct gp_output {
    const gp_format *formats[4]; /* [output] formats, NULL-terminated */
    const char *crs_def;         /* output CRS (any PROJ definition) */
    char crs_name[256];          /* its short name for the report */
    double grid;                 /* its precision grid: about a millimetre in its units */
} gp_output;

/* The geometries as written (written.c): each grid and atom in the output
 * CRS, snapped to its precision grid and valid there; and the plan digest
 * over them. */
typedef struct gp_written {
    GEOSGeometry **grid, **atom;
    int n_grids, n_atoms;
    int n_repaired;              /* needed more than snapping to be valid */
    char digest[72];             /* "sha256:" and 64 hex digits: the atoms' grids, the grids' polygons */
} gp_written;
/* plan NULL: the atoms alone, no digest; out NULL: the working CRS. */
gp_status gp_written_make(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, const gp_output *out,
                          gp_written *w);
void gp_written_free(gp_ctx *ctx, gp_written *w);
/* The output formats and CRS of the scenario for this dataset. */
gp_status gp_output_from_config(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, gp_output *out);
/* The short name of a format as [output] formats writes it ("gpkg"). */
const char *gp_format_name(const gp_format *f);
/* The format named name ("gpkg"), or NULL. */
const gp_format *gp_format_find(const char *name);
/* The grids and atoms layers into dir, in every format of out, with the
 * geometries of w. */
gp_status gp_write_layers(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, const gp_output *out,
                          const gp_written *w, const char *dir);
/* The atoms layer alone, to a GeoPackage at path (tessellate). */
gp_status gp_write_atoms(gp_ctx *ctx, const gp_dataset *ds, const char *path);
/* assignments.csv into dir (nothing without a roster). */
gp_status gp_write_assignments(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, const char *dir);

/* An output folder written beside its place and swapped in at the end, so
 * that a failed run leaves no half-written result and any previous result
 * whole. */
typedef struct gp_outdir {
    char dir[4096];              /* the folder asked for, without trailing '/' */
    char *tmp, *old;             /* "<dir>.tmp-<pid>", "<dir>.old-<pid>" */
    size_t made;                 /* length of the first folder of dir that gp_outdir_create made; 0: none */
} gp_outdir;
/* Takes dir (an error when it exists and is not a folder). */
gp_status gp_outdir_begin(gp_ctx *ctx, const char *dir, gp_outdir *o);
/* Creates the temporary folder, and the folders leading to it. */
gp_status gp_outdir_create(gp_ctx *ctx, gp_outdir *o);
/* Puts the temporary folder in place of dir. */
gp_status gp_outdir_commit(gp_ctx *ctx, gp_outdir *o);
/* Removes the temporary folder, if any, with the folders made for it
 * when they are empty, and frees o. */
void gp_outdir_end(gp_outdir *o);

/* ---- PostGIS ([output] postgis: postgis.c) ------------------------------- */

/* A message of GDAL's PostgreSQL driver (libpq's and the server's) for
 * one line of ours: without passwords, lines joined, spaces squeezed. */
void gp_pg_message(const char *msg, char *buf, size_t len);
/* Says before the search, not after it, when [output] postgis cannot be
 * written: the server does not answer, the database has no PostGIS, or
 * the schema is missing or not writable (GP_ERR_OUTPUT). Reads only. */
gp_status gp_postgis_check(gp_ctx *ctx, const gp_config *cfg);
/* Copies the output folder dir, complete but not yet in place (its
 * GeoPackage layers, or ones made from w when [output] formats has no
 * gpkg, and assignments.csv) into the tables grids, atoms and assignments
 * of [output] postgis.schema (named with postgis.prefix), and records the
 * run in the schema's table gridplan_runs: all in one transaction that is
 * rolled back on any error or cancel request, so that the tables, and the
 * views on them, are either all as this run wrote them or all as they were.
 * A table written before keeps its identity (views on it follow the new
 * rows) when its columns are the same. GP_ERR_OUTPUT naming the
 * connection (without its password), the table and the fix;
 * GP_ERR_CANCELLED; GP_ERR_NOMEM. */
gp_status gp_postgis_write(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                           const gp_output *out, const gp_written *w, const char *dir);

#endif
