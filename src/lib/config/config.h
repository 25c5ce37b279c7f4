/*
 * config: the scenario file, read and checked once into a typed gp_config.
 * Every key, its type, range and default stand in one table (config.c);
 * no other file reads a key by name.
 */
#ifndef GP_CONFIG_H
#define GP_CONFIG_H

#include "core/core.h"

/* A field of an input layer, named by [input] KEY.FIELD. */
typedef struct gp_cfg_field {
    const char *key;             /* "units.households", ...: for messages */
    const char *name;            /* as given, or the default; NULL: none */
    bool given;                  /* written in the scenario (a default may be absent) */
} gp_cfg_field;

/* One file of [input] KEY with KEY.layer, KEY.crs and, for CSV, the
 * columns KEY.x, KEY.y (points) and KEY.wkt (any geometry). */
typedef struct gp_cfg_source {
    const char *key;             /* "units", "communities", ...: for messages */
    const char *path;            /* resolved against the scenario's folder (a "PG:" connection
                                  * string as written); NULL: not given */
    const char *layer, *crs;     /* NULL: the only layer, the layer's own CRS */
    gp_cfg_field x, y, wkt;
} gp_cfg_source;

/* A two-sided bound MIN..MAX; -inf / +inf where a side is open. */
typedef struct gp_cfg_bound {
    double lo, hi;
    bool set;
} gp_cfg_bound;

enum gp_atoms_mode { GP_ATOMS_UNITS = 0, GP_ATOMS_CELLS };
enum gp_cell_shape { GP_SHAPE_HEX = 0, GP_SHAPE_SQUARE };
enum gp_count_kind { GP_COUNT_AUTO = 0, GP_COUNT_FIXED, GP_COUNT_RANGE, GP_COUNT_WORKERS };
enum gp_codes_kind { GP_CODES_AUTO = 0, GP_CODES_STRUCTURED, GP_CODES_SIMPLE };

typedef struct gp_config {
    const char *path;            /* the scenario file as given, for messages */
    struct {
        gp_cfg_source units, communities, cases, existing_plan, weights, workers;
        gp_cfg_field units_id, units_population, units_households, units_lock, units_dedicated;
        gp_cfg_field communities_id, communities_name, communities_code;
        gp_cfg_field cases_type, existing_plan_id, weights_field;
        gp_cfg_field workers_id, workers_name, workers_community, workers_grids, workers_fte, workers_lock;
        const char *crs;         /* working CRS: "auto" or a projected CRS in metres */
        /* an update: the previous output folder; its grids.gpkg is then the
         * plan in force (existing_plan, in previous_grids, owned) */
        const char *previous;
        char *previous_grids;
        bool existing_plan_given; /* an update replaced the scenario's existing_plan */
    } input;
    struct {
        int mode;                /* enum gp_atoms_mode */
        int shape;               /* enum gp_cell_shape */
        double size, snap;       /* metres */
        bool shape_given, size_given; /* written in the scenario */
    } atoms;
    struct {
        gp_cfg_bound households, population, cases, workload;
        int count;               /* enum gp_count_kind */
        int count_min, count_max;/* GP_COUNT_FIXED / GP_COUNT_RANGE */
        const char *count_text;  /* as written, for the report */
    } grid;
    struct {
        double households, population, cases; /* weights of the workload */
    } workload;
    struct {
        int n;                   /* [case_weights] TYPE = weight, in file order */
        const char **type;
        double *weight;
        double fallback;         /* [case_weights] default */
    } case_weights;
    struct {
        double balance, compactness, stability;
    } objective;
    struct {
        bool allocate;
        gp_cfg_bound community_fte;
        long max_transfers;      /* -1: any */
        double capacity;         /* NAN: 1.25 x the mean workload per FTE */
        double per_grid_lo, per_grid_hi;
        int grids_per_worker;
        double balance, continuity, travel;
        double time_limit;       /* safety cap in seconds, 0: none; [solver] time_limit when not given */
    } workers;
    struct {
        double effort;           /* the work budget, relative to the default 1 */
        double time_limit;       /* safety cap in seconds per community, 0: none */
        double gap;
        int threads;             /* 0: all cores */
        unsigned seed;
    } solver;
    struct {
        const char *dir;
        const char *formats;     /* "gpkg, shp": see gp_config_lists */
        const char *crs;         /* "input", "working" or a CRS */
        int grid_codes;          /* enum gp_codes_kind */
        /* PostGIS: a GDAL connection string "PG:..." ("PG:" alone: the
         * libpq environment), NULL: none; the schema and the tables'
         * prefix (NULL: none) */
        const char *postgis, *postgis_schema, *postgis_prefix;
    } output;
} gp_config;

/* Whether a list of names separated by commas or spaces ([output]
 * formats) holds name, in any case. */
bool gp_config_lists(const char *list, const char *name);

/* Whether an [input] source or [output] postgis names a PostgreSQL
 * database (a GDAL connection string "PG:...") rather than a file. */
bool gp_config_is_database(const char *path);
/* A connection string as messages and reports may show it: the value of
 * every password keyword ("password=...", "password = '...'", "?password="
 * in a URI) and the password of a URI's user ("postgresql://u:PW@host")
 * replaced by "***". Other text is copied as it is; cut to len bytes. */
void gp_config_conn_shown(const char *conn, char *buf, size_t len);

/* The typed configuration of a scenario; the scenario owns it, and it
 * changes with gp_scenario_set. */
const gp_config *gp_scenario_config(const gp_scenario *sc);

#endif
