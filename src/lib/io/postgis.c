/* PostGIS output through GDAL's PostgreSQL driver ([output] postgis).
 *
 * It runs when the output folder is complete in its temporary place, and
 * copies what the folder holds: the GeoPackage layers (the same features,
 * fields, FIDs, geometries and CRS as the files) and assignments.csv. All
 * of it happens in one transaction:
 *
 *   1. each table is written to a staging table beside it (grids__staging),
 *      or under its own name when it does not exist yet;
 *   2. then each table that exists takes the staging table's rows: DELETE
 *      and INSERT ... SELECT when its columns are the same, so that it
 *      keeps its identity, the views on it show the new rows, and readers
 *      see the old rows until the commit rather than wait for it; otherwise
 *      it is dropped (which fails while views depend on it) and the
 *      staging table takes its name;
 *   3. a row of gridplan_runs and a comment on each table say which plan
 *      the tables hold.
 *
 * Any error, and a cancel request, rolls all of it back: the tables and the
 * views on them are as they were, and the run fails before its folder is
 * put in place. */
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/io.h"

/* The tables written, each from a layer of the folder. */
enum { T_GRIDS, T_ATOMS, T_ASSIGNMENTS, NTABLES };
static const char *const TABLES[NTABLES] = {"grids", "atoms", "assignments"};
/* The columns of assignments.csv (assignments.c) that hold numbers: real
 * numbers in the table, NULL where the file has none. */
static const char *const NUMERIC[] = {"fte", "workload", "workload_per_fte", "travel_m", "previous_workload"};
#define STAGING "__staging"
#define RUNS "gridplan_runs"

void gp_pg_message(const char *msg, char *buf, size_t len)
{
    if (!len)
        return;
    char tmp[2048];
    gp_config_conn_shown(msg ? msg : "", tmp, sizeof tmp);
    size_t o = 0;
    bool space = false;
    for (const char *c = tmp; *c && o + 1 < len; c++) {
        if (isspace((unsigned char)*c)) {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < len)
            buf[o++] = ' ';
        space = false;
        buf[o++] = *c;
    }
    buf[o] = '\0';
}

/* ---- one connection -------------------------------------------------------- */

typedef struct pg_conn {
    gp_ctx *ctx;
    GDALDatasetH ds;
    bool in_transaction;         /* begun and neither committed nor rolled back */
    bool began;                  /* a transaction was begun */
    char shown[640];             /* the connection as messages show it */
    int n_failed;                /* GDAL's errors since pg_reset */
    char failed[1024];           /* the first of them, on one line */
} pg_conn;

/* GDAL's errors are kept for the messages, never printed: the library
 * does not print. */
static void CPL_STDCALL on_error(CPLErr cls, CPLErrorNum no, const char *msg)
{
    (void)no;
    pg_conn *c = CPLGetErrorHandlerUserData();
    if (c && cls >= CE_Failure && c->n_failed++ == 0)
        gp_pg_message(msg, c->failed, sizeof c->failed);
}

static void pg_reset(pg_conn *c)
{
    c->n_failed = 0;
    c->failed[0] = '\0';
    CPLErrorReset();
}

/* The connection for messages: without its password; for "PG:" alone, the
 * server the libpq environment names (never PGPASSWORD). */
static void conn_name(const char *conn, char *buf, size_t len)
{
    if (strlen(conn) > 3) {
        gp_config_conn_shown(conn, buf, len);
        return;
    }
    static const char *const VARS[] = {"PGSERVICE", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER"};
    size_t o = (size_t)snprintf(buf, len, "PG: (the libpq environment");
    bool any = false;
    for (size_t i = 0; i < sizeof VARS / sizeof VARS[0] && o < len; i++) {
        const char *v = getenv(VARS[i]);
        if (v && v[0]) {
            o += (size_t)snprintf(buf + o, len - o, "%s%s=%s", any ? " " : ": ", VARS[i], v);
            any = true;
        }
    }
    if (o < len)
        snprintf(buf + o, len - o, "%s)", any ? "" : ", none set");
}

static gp_status pg_open(gp_ctx *ctx, const gp_config *cfg, pg_conn *c, bool update)
{
    memset(c, 0, sizeof *c);
    c->ctx = ctx;
    conn_name(cfg->output.postgis, c->shown, sizeof c->shown);
    CPLPushErrorHandlerEx(on_error, c); /* popped by pg_close */
    const char *drivers[] = {"PostgreSQL", NULL};
    pg_reset(c);
    c->ds = GDALOpenEx(cfg->output.postgis, GDAL_OF_VECTOR | (update ? GDAL_OF_UPDATE : 0), drivers, NULL, NULL);
    if (!c->ds)
        return gp_fail(ctx, GP_ERR_OUTPUT, "[output] postgis = %s: cannot connect%s%s: check the connection string "
                       "(host, port, dbname, user; keep a password in ~/.pgpass or PGPASSWORD, not in the scenario) "
                       "and that the server runs", c->shown, c->failed[0] ? ": " : "", c->failed);
    return GP_OK;
}

/* Rolls back what is still open, and closes. */
static void pg_close(pg_conn *c)
{
    if (c->ds && c->in_transaction)
        GDALDatasetRollbackTransaction(c->ds);
    c->in_transaction = false;
    if (c->ds)
        GDALClose(c->ds);
    c->ds = NULL;
    CPLPopErrorHandler();
}

/* printf into a new string; NULL when out of memory. */
static char *sqlf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sqlf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

/* s as an SQL string literal (standard_conforming_strings is on in the
 * transaction: only quotes are doubled); NULL when out of memory. */
static char *literal(const char *s)
{
    size_t n = 3;
    for (const char *p = s; *p; p++)
        n += *p == '\'' ? 2 : 1;
    char *q = malloc(n), *o = q;
    if (!q)
        return NULL;
    *o++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            *o++ = '\'';
        *o++ = *p;
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

/* Runs one statement (sql is freed; NULL: out of memory); what says what
 * failed, with the table, for the message; fix what to do. */
static gp_status pg_exec(pg_conn *c, char *sql, const char *what, const char *fix)
{
    if (!sql)
        return GP_ERR_NOMEM;
    pg_reset(c);
    OGRLayerH r = GDALDatasetExecuteSQL(c->ds, sql, NULL, NULL);
    if (r)
        GDALDatasetReleaseResultSet(c->ds, r);
    free(sql);
    if (c->n_failed)
        return gp_fail(c->ctx, GP_ERR_OUTPUT, "[output] postgis = %s: %s: %s: %s", c->shown, what, c->failed, fix);
    return GP_OK;
}

/* The first column of the first row of a query as text into *out (owned;
 * NULL: no row, or NULL). sql as for pg_exec. */
static gp_status pg_query(pg_conn *c, char *sql, const char *what, char **out)
{
    *out = NULL;
    if (!sql)
        return GP_ERR_NOMEM;
    pg_reset(c);
    OGRLayerH r = GDALDatasetExecuteSQL(c->ds, sql, NULL, NULL);
    free(sql);
    gp_status st = GP_OK;
    if (r) {
        OGRFeatureH f = OGR_L_GetNextFeature(r);
        if (f && OGR_F_IsFieldSetAndNotNull(f, 0) && !(*out = gp_strdup(OGR_F_GetFieldAsString(f, 0))))
            st = GP_ERR_NOMEM;
        if (f)
            OGR_F_Destroy(f);
        GDALDatasetReleaseResultSet(c->ds, r);
    }
    if (!st && c->n_failed) {
        free(*out);
        *out = NULL;
        st = gp_fail(c->ctx, GP_ERR_OUTPUT, "[output] postgis = %s: %s: %s: check the database and its permissions",
                     c->shown, what, c->failed);
    }
    return st;
}

/* ---- the check before the run ----------------------------------------------- */

gp_status gp_postgis_check(gp_ctx *ctx, const gp_config *cfg)
{
    pg_conn c;
    const char *schema = cfg->output.postgis_schema;
    char *v = NULL;
    gp_status st = pg_open(ctx, cfg, &c, false);
    if (!st)
        st = pg_query(&c, gp_strdup("SELECT extversion FROM pg_extension WHERE extname = 'postgis'"),
                      "cannot read the database's extensions", &v);
    if (!st && !v)
        st = gp_fail(ctx, GP_ERR_OUTPUT, "[output] postgis = %s: the database has no PostGIS: run CREATE EXTENSION "
                     "postgis in it (as its owner), or name another database", c.shown);
    free(v);
    v = NULL;
    if (!st)
        st = pg_query(&c, sqlf("SELECT CASE WHEN has_schema_privilege(oid, 'CREATE') THEN 'yes' ELSE 'no' END "
                               "FROM pg_namespace WHERE nspname = '%s'", schema),
                      "cannot read the database's schemas", &v);
    if (!st && !v)
        st = gp_fail(ctx, GP_ERR_OUTPUT, "[output] postgis = %s: the database has no schema '%s': create it (CREATE "
                     "SCHEMA %s) or fix [output] postgis.schema", c.shown, schema, schema);
    else if (!st && strcmp(v, "yes") != 0)
        st = gp_fail(ctx, GP_ERR_OUTPUT, "[output] postgis = %s: the user may not create tables in schema '%s': "
                     "GRANT CREATE ON SCHEMA %s to it, connect as the schema's owner, or fix [output] postgis.schema",
                     c.shown, schema, schema);
    free(v);
    pg_close(&c);
    return st;
}

/* ---- writing ---------------------------------------------------------------- */

/* What the transaction writes to one table. */
typedef struct table {
    char live[64], staging[64]; /* names in the schema */
    char shown[160];            /* schema.live, for messages */
    bool exists;                /* live was there before */
    int rows;
} table;

/* Whether the relation name of the schema exists: *kind its relkind ('r'
 * a table) and *comment its comment (owned, NULL: none). */
static gp_status relation(pg_conn *c, const char *schema, const char *name, const char *shown, char *kind,
                          char **comment)
{
    char *v = NULL;
    *kind = '\0';
    *comment = NULL;
    gp_status st = pg_query(c, sqlf("SELECT c.relkind::text || coalesce(obj_description(c.oid, 'pg_class'), '') "
                                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                    "WHERE n.nspname = '%s' AND c.relname = '%s'", schema, name),
                            shown, &v);
    if (!st && v) {
        *kind = v[0];
        if (v[1] && !(*comment = gp_strdup(v + 1)))
            st = GP_ERR_NOMEM;
    }
    free(v);
    return st;
}

/* The table t and its staging table: a table of the same name must be
 * one gridplan wrote (its comment says so), and the staging name free. */
static gp_status table_prepare(pg_conn *c, const gp_config *cfg, int t, table *tb)
{
    const char *schema = cfg->output.postgis_schema, *prefix = cfg->output.postgis_prefix;
    snprintf(tb->live, sizeof tb->live, "%.24s%.11s", prefix ? prefix : "", TABLES[t]);
    snprintf(tb->staging, sizeof tb->staging, "%.40s" STAGING, tb->live);
    snprintf(tb->shown, sizeof tb->shown, "table %.63s.%.63s", schema, tb->live);
    char kind, *comment = NULL;
    gp_status st = relation(c, schema, tb->live, tb->shown, &kind, &comment);
    if (!st && kind && kind != 'r')
        st = gp_fail(c->ctx, GP_ERR_OUTPUT, "[output] postgis = %s: %s.%s exists and is not a table (a view, a "
                     "partitioned table, ...): gridplan writes a table of that name: rename it, or choose another "
                     "[output] postgis.schema or postgis.prefix", c->shown, schema, tb->live);
    else if (!st && kind && (!comment || strncmp(comment, "gridplan", 8) != 0))
        st = gp_fail(c->ctx, GP_ERR_OUTPUT, "[output] postgis = %s: %s exists but gridplan did not write it (its "
                     "comment does not start with 'gridplan'): gridplan replaces only its own tables: rename or drop "
                     "it, or choose another [output] postgis.schema or postgis.prefix", c->shown, tb->shown);
    tb->exists = kind != '\0';
    free(comment);
    if (st || !tb->exists)
        return st;
    if ((st = relation(c, schema, tb->staging, tb->shown, &kind, &comment)))
        return st;
    free(comment);
    if (kind)
        return gp_fail(c->ctx, GP_ERR_OUTPUT, "[output] postgis = %s: %s.%s exists: gridplan stages the new rows of %s "
                       "under that name and never leaves it behind, so this one is someone else's: rename or drop "
                       "it", c->shown, schema, tb->staging, tb->shown);
    return GP_OK;
}

static bool numeric(const char *field)
{
    for (size_t i = 0; i < sizeof NUMERIC / sizeof NUMERIC[0]; i++)
        if (strcmp(field, NUMERIC[i]) == 0)
            return true;
    return false;
}

/* Copies the layer src into the new table name: the same fields (CSV
 * columns of numbers as numbers, empty values as NULL), FIDs, geometries
 * and CRS. */
static gp_status copy_layer(pg_conn *c, const gp_config *cfg, OGRLayerH src, bool csv, const char *name, table *tb)
{
    gp_ctx *ctx = c->ctx;
    char schema_opt[96];
    snprintf(schema_opt, sizeof schema_opt, "SCHEMA=%s", cfg->output.postgis_schema);
    /* names as given (they are SQL names already); numbers as double
     * precision and text of any length, as in the GeoPackage */
    const char *opts[] = {schema_opt, "GEOMETRY_NAME=geom", "FID=fid", "PRECISION=NO", "LAUNDER=NO",
                          "SPATIAL_INDEX=GIST", NULL};
    OGRFeatureDefnH sd = OGR_L_GetLayerDefn(src);
    OGRwkbGeometryType gt = csv ? wkbNone : OGR_L_GetGeomType(src);
    pg_reset(c);
    OGRLayerH dst = GDALDatasetCreateLayer(c->ds, name, gt == wkbNone ? NULL : OGR_L_GetSpatialRef(src), gt,
                                           (char **)opts);
    if (!dst || c->n_failed)
        return gp_fail(ctx, GP_ERR_OUTPUT, "[output] postgis = %s: %s: cannot create %s.%s: %s: check the "
                       "permissions on [output] postgis.schema", c->shown, tb->shown, cfg->output.postgis_schema,
                       name, c->failed[0] ? c->failed : "GDAL gives no reason");
    int nf = OGR_FD_GetFieldCount(sd);
    for (int i = 0; i < nf; i++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(sd, i);
        const char *fname = OGR_Fld_GetNameRef(fd);
        OGRFieldDefnH made = csv && numeric(fname) ? OGR_Fld_Create(fname, OFTReal) : NULL;
        if (csv && numeric(fname) && !made)
            return GP_ERR_NOMEM;
        OGRErr e = OGR_L_CreateField(dst, made ? made : fd, 0);
        if (made)
            OGR_Fld_Destroy(made);
        if (e != OGRERR_NONE || c->n_failed)
            return gp_fail(ctx, GP_ERR_OUTPUT, "[output] postgis = %s: %s: cannot create column '%s': %s", c->shown,
                           tb->shown, fname, c->failed[0] ? c->failed : "GDAL gives no reason");
    }
    OGRFeatureDefnH dd = OGR_L_GetLayerDefn(dst);
    OGR_L_ResetReading(src);
    OGRFeatureH f;
    unsigned tick = 0;
    gp_status st = GP_OK;
    while (!st && (f = OGR_L_GetNextFeature(src)) != NULL) {
        OGRFeatureH g = OGR_F_Create(dd);
        if (!g) {
            OGR_F_Destroy(f);
            return GP_ERR_NOMEM;
        }
        if (!csv) {
            if (OGR_F_SetFrom(g, f, TRUE) != OGRERR_NONE)
                st = gp_fail(ctx, GP_ERR_OUTPUT, "[output] postgis = %s: %s: cannot copy feature %lld", c->shown,
                             tb->shown, (long long)OGR_F_GetFID(f));
        } else {
            for (int i = 0; i < nf; i++) {
                const char *v = OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : "";
                double d;
                if (!v[0])
                    OGR_F_SetFieldNull(g, i);
                else if (OGR_Fld_GetType(OGR_FD_GetFieldDefn(dd, i)) == OFTReal && gp_parse_double(v, &d))
                    OGR_F_SetFieldDouble(g, i, d);
                else
                    OGR_F_SetFieldString(g, i, v);
            }
        }
        OGR_F_SetFID(g, OGR_F_GetFID(f));
        if (!st && (OGR_L_CreateFeature(dst, g) != OGRERR_NONE || c->n_failed))
            st = gp_fail(ctx, GP_ERR_OUTPUT, "[output] postgis = %s: %s: cannot write feature %lld: %s", c->shown,
                         tb->shown, (long long)OGR_F_GetFID(f), c->failed[0] ? c->failed : "GDAL gives no reason");
        OGR_F_Destroy(g);
        OGR_F_Destroy(f);
        tb->rows++;
        gp_progress_done(ctx, 1);
        if (!st && gp_stopped_tick(ctx, &tick))
            st = GP_ERR_CANCELLED;
    }
    /* the driver sends rows with COPY: its errors come when it ends */
    if (!st && (OGR_L_SyncToDisk(dst) != OGRERR_NONE || c->n_failed))
        st = gp_fail(ctx, GP_ERR_OUTPUT, "[output] postgis = %s: %s: cannot write the rows: %s", c->shown, tb->shown,
                     c->failed[0] ? c->failed : "GDAL gives no reason");
    return st;
}

/* The staging table's rows into the table that exists. */
static gp_status table_replace(pg_conn *c, const gp_config *cfg, table *tb)
{
    const char *s = cfg->output.postgis_schema;
    char *same = NULL, *cols = NULL, what[256];
    /* the columns of each, by name, with their types (the geometry's with
     * its type and SRID) */
#define SIG "(SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attname) " \
            "FROM pg_attribute WHERE attrelid = '\"%s\".\"%s\"'::regclass AND attnum > 0 AND NOT attisdropped)"
    char *sl = sqlf(SIG, s, tb->live), *ss = sqlf(SIG, s, tb->staging);
#undef SIG
    char *q = sl && ss ? sqlf("SELECT CASE WHEN %s IS NOT DISTINCT FROM %s THEN 'same' ELSE 'other' END", sl, ss)
                       : NULL;
    free(sl);
    free(ss);
    gp_status st = pg_query(c, q, tb->shown, &same);
    if (!st)
        st = pg_query(c, sqlf("SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
                              "WHERE attrelid = '\"%s\".\"%s\"'::regclass AND attnum > 0 AND NOT attisdropped",
                              s, tb->staging), tb->shown, &cols);
    if (!st && (!same || !cols))
        st = gp_fail(c->ctx, GP_ERR_OUTPUT, "[output] postgis = %s: %s: cannot read its columns", c->shown,
                     tb->shown);
    if (!st && strcmp(same, "same") == 0) {
        /* the same table, new rows: views on it keep working */
        snprintf(what, sizeof what, "%s: cannot replace its rows", tb->shown);
        const char *fix = "check the triggers, rules and foreign keys on the table";
        if (!(st = pg_exec(c, sqlf("DELETE FROM \"%s\".\"%s\"", s, tb->live), what, fix)) &&
            !(st = pg_exec(c, sqlf("INSERT INTO \"%s\".\"%s\" (%s) SELECT %s FROM \"%s\".\"%s\"", s, tb->live, cols,
                                   cols, s, tb->staging), what, fix)) &&
            !(st = pg_exec(c, sqlf("DROP TABLE \"%s\".\"%s\"", s, tb->staging), what, fix)))
            /* the FIDs came with the rows: the next one the table gives
             * follows them */
            st = pg_exec(c, sqlf("SELECT setval(pg_get_serial_sequence('\"%s\".\"%s\"', 'fid'), max(fid)) FROM "
                                 "\"%s\".\"%s\"", s, tb->live, s, tb->live), what, fix);
    } else if (!st) {
        /* other columns (other case types, another CRS): a new table, which
         * views on the old one would lose, so they stop it */
        gp_log(c->ctx, GP_LOG_INFO, "postgis: %s has other columns than this run writes: it is replaced by a new "
               "table", tb->shown);
        snprintf(what, sizeof what, "%s has other columns than this run writes (other case types, another CRS?) "
                 "and cannot be dropped", tb->shown);
        st = pg_exec(c, sqlf("DROP TABLE \"%s\".\"%s\"", s, tb->live), what,
                     "drop the views that use it (or write to another [output] postgis.schema or postgis.prefix), "
                     "run again, and create the views again");
        snprintf(what, sizeof what, "%s: cannot rename %s.%s to it", tb->shown, s, tb->staging);
        static const char *const OBJ[][2] = {
            {"TABLE", ""}, {"INDEX IF EXISTS", "_pkey"}, {"INDEX IF EXISTS", "_geom_geom_idx"},
            {"SEQUENCE IF EXISTS", "_fid_seq"}};
        /* the driver names the key, the index and the FID sequence after
         * the table: they follow it */
        for (size_t k = 0; !st && k < sizeof OBJ / sizeof OBJ[0]; k++)
            st = pg_exec(c, sqlf("ALTER %s \"%s\".\"%s%s\" RENAME TO \"%s%s\"", OBJ[k][0], s, tb->staging, OBJ[k][1],
                                 tb->live, OBJ[k][1]), what, "check the permissions on the schema");
    }
    free(same);
    free(cols);
    return st;
}

/* The run in the schema's gridplan_runs, and on each table a comment that
 * names the plan (and marks the table as gridplan's). */
static gp_status record_run(pg_conn *c, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                            const gp_output *out, table *tb)
{
    const char *s = cfg->output.postgis_schema;
    char what[200], when[32], tables[512] = "";
    snprintf(what, sizeof what, "table %s.%s: cannot record the run", s, RUNS);
    const char *fix = "check the table's columns (docs/scenario.md, PostGIS) and its permissions";
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    bool written[NTABLES];
    for (int t = 0; t < NTABLES; t++) {
        written[t] = t != T_ASSIGNMENTS || tb[t].exists || ds->has_workers;
        size_t used = strlen(tables);
        if (written[t])
            snprintf(tables + used, sizeof tables - used, "%s%.63s.%.63s", used ? ", " : "", s, tb[t].live);
    }
    char *l_tables = literal(tables), *l_scenario = literal(cfg->path ? cfg->path : ""),
         *l_digest = literal(plan->digest), *l_crs = literal(out->crs_name), *l_version = literal(gp_version());
    char *note = sqlf("gridplan %s: plan %s, scenario %s, written %s (see %s.%s)", gp_version(), plan->digest,
                      cfg->path ? cfg->path : "", when, s, RUNS);
    char *l_note = note ? literal(note) : NULL;
    gp_status st = l_tables && l_scenario && l_digest && l_crs && l_version && l_note ? GP_OK : GP_ERR_NOMEM;
    if (!st)
        st = pg_exec(c, sqlf("CREATE TABLE IF NOT EXISTS \"%s\".\"%s\" (run_id serial PRIMARY KEY, written_at "
                             "timestamptz NOT NULL DEFAULT now(), tables text NOT NULL, scenario text NOT NULL, "
                             "plan_digest text NOT NULL, grids integer NOT NULL, atoms integer NOT NULL, workers "
                             "integer NOT NULL, crs text NOT NULL, gridplan text NOT NULL)", s, RUNS), what, fix);
    if (!st)
        st = pg_exec(c, sqlf("COMMENT ON TABLE \"%s\".\"%s\" IS 'gridplan: one row per run written to this schema; "
                             "the last one of a table''s names holds its plan'", s, RUNS), what, fix);
    if (!st)
        st = pg_exec(c, sqlf("INSERT INTO \"%s\".\"%s\" (tables, scenario, plan_digest, grids, atoms, workers, crs, "
                             "gridplan) VALUES (%s, %s, %s, %d, %d, %d, %s, %s)", s, RUNS, l_tables, l_scenario,
                             l_digest, plan->n_grids, ds->n_atoms, ds->has_workers ? ds->n_workers : 0, l_crs,
                             l_version), what, fix);
    for (int t = 0; !st && t < NTABLES; t++)
        if (written[t]) {
            snprintf(what, sizeof what, "%.150s: cannot set its comment", tb[t].shown);
            st = pg_exec(c, sqlf("COMMENT ON TABLE \"%s\".\"%s\" IS %s", s, tb[t].live, l_note), what,
                         "connect as the table's owner");
        }
    free(l_tables), free(l_scenario), free(l_digest), free(l_crs), free(l_version), free(note), free(l_note);
    return st;
}

/* Opens the layer name of the file path (a GeoPackage, or the CSV). */
static gp_status open_source(pg_conn *c, const char *path, const char *name, bool csv, GDALDatasetH *ds,
                             OGRLayerH *lyr)
{
    const char *gpkg[] = {"GPKG", NULL}, *csv_only[] = {"CSV", NULL};
    pg_reset(c);
    *ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, csv ? csv_only : gpkg, NULL, NULL);
    *lyr = !*ds ? NULL : csv ? GDALDatasetGetLayer(*ds, 0) : GDALDatasetGetLayerByName(*ds, name);
    if (!*lyr)
        return gp_fail(c->ctx, GP_ERR_OUTPUT, "%s: cannot read layer '%s' back for PostGIS: %s", path, name,
                       c->failed[0] ? c->failed : "no such layer");
    return GP_OK;
}

static gp_status write_all(pg_conn *c, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                           const gp_output *out, const char *layers, const char *dir, table *tb)
{
    gp_ctx *ctx = c->ctx;
    const char *s = cfg->output.postgis_schema;
    char what[256];
    pg_reset(c);
    if (GDALDatasetStartTransaction(c->ds, FALSE) != OGRERR_NONE)
        return gp_fail(ctx, GP_ERR_OUTPUT, "[output] postgis = %s: cannot begin a transaction: %s", c->shown,
                       c->failed[0] ? c->failed : "GDAL gives no reason");
    c->in_transaction = c->began = true;
    /* literals as written; one gridplan at a time on these tables (a second
     * waits for the first to commit) */
    gp_status st = pg_exec(c, gp_strdup("SET LOCAL standard_conforming_strings = on"), "cannot set up the "
                           "transaction", "check the server");
    char *v = NULL;
    if (!st)
        st = pg_query(c, sqlf("SELECT 1 FROM pg_advisory_xact_lock(hashtext('gridplan %s.%s'))", s,
                              cfg->output.postgis_prefix ? cfg->output.postgis_prefix : ""),
                      "cannot take the lock on the tables", &v);
    free(v);
    for (int t = 0; !st && t < NTABLES; t++)
        st = table_prepare(c, cfg, t, &tb[t]);
    /* the new rows first, in staging tables; the tables in force are
     * touched last, so that readers wait for nothing */
    for (int t = 0; !st && t < NTABLES; t++) {
        bool csv = t == T_ASSIGNMENTS;
        if (csv && !ds->has_workers)
            continue; /* no roster: no rows (an assignments table is emptied below) */
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.%s", csv ? dir : layers, TABLES[t], csv ? "csv" : "gpkg");
        GDALDatasetH src = NULL;
        OGRLayerH lyr = NULL;
        st = open_source(c, path, TABLES[t], csv, &src, &lyr);
        if (!st)
            st = copy_layer(c, cfg, lyr, csv, tb[t].exists ? tb[t].staging : tb[t].live, &tb[t]);
        if (src)
            GDALClose(src);
    }
    if (!st && gp_stopped(ctx))
        st = GP_ERR_CANCELLED;
    for (int t = 0; !st && t < NTABLES; t++) {
        if (!tb[t].exists)
            continue;
        if (t == T_ASSIGNMENTS && !ds->has_workers) {
            snprintf(what, sizeof what, "%s: cannot empty it (this run has no roster)", tb[t].shown);
            st = pg_exec(c, sqlf("DELETE FROM \"%s\".\"%s\"", s, tb[t].live), what,
                         "check the triggers, rules and foreign keys on the table");
        } else {
            st = table_replace(c, cfg, &tb[t]);
        }
    }
    if (!st)
        st = record_run(c, cfg, ds, plan, out, tb);
    /* the last moment a cancel request undoes the database: after the
     * commit the new plan is in force */
    if (!st && gp_stopped(ctx))
        st = GP_ERR_CANCELLED;
    if (st)
        return st;
    pg_reset(c);
    c->in_transaction = false;
    if (GDALDatasetCommitTransaction(c->ds) != OGRERR_NONE || c->n_failed)
        return gp_fail(ctx, GP_ERR_OUTPUT, "[output] postgis = %s: the commit failed: %s: check the server and "
                       "run again", c->shown, c->failed[0] ? c->failed : "GDAL gives no reason");
    return GP_OK;
}

gp_status gp_postgis_write(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                           const gp_output *out, const gp_written *w, const char *dir)
{
    if (!cfg->output.postgis)
        return GP_OK;
    if (gp_stopped(ctx))
        return GP_ERR_CANCELLED;
    double t0 = gp_now();
    /* the GeoPackage layers are copied; without them among the formats,
     * they are made in memory for the copy */
    bool gpkg = false;
    for (int f = 0; out->formats[f]; f++)
        gpkg |= strcmp(gp_format_name(out->formats[f]), "gpkg") == 0;
    char scratch[96] = "";
    gp_status st = GP_OK;
    if (!gpkg) {
        gp_output mem = *out;
        memset(mem.formats, 0, sizeof mem.formats);
        mem.formats[0] = gp_format_find("gpkg");
        snprintf(scratch, sizeof scratch, "/vsimem/gridplan-postgis-%ld-%p", (long)getpid(), (void *)ctx);
        st = gp_write_layers(ctx, ds, plan, &mem, w, scratch);
    }
    gp_progress_total(ctx, "features", plan->n_grids + ds->n_atoms + (ds->has_workers ? ds->n_workers : 0));
    pg_conn c;
    memset(&c, 0, sizeof c);
    table tb[NTABLES];
    memset(tb, 0, sizeof tb);
    if (!st) {
        if (!(st = pg_open(ctx, cfg, &c, true)))
            st = write_all(&c, cfg, ds, plan, out, scratch[0] ? scratch : dir, dir, tb);
        pg_close(&c); /* rolls back what is not committed */
    }
    if (scratch[0])
        VSIRmdirRecursive(scratch);
    if (st == GP_ERR_OUTPUT && c.began) {
        char msg[sizeof ctx->errmsg];
        snprintf(msg, sizeof msg, "%s", gp_ctx_errmsg(ctx));
        return gp_fail(ctx, st, "%s (rolled back: the tables are as they were, and the output folder is not "
                       "replaced)", msg);
    }
    if (!st)
        gp_log(ctx, GP_LOG_INFO, "postgis: %d grids, %d atoms, %d assignments written to %s.%s, %s.%s, %s.%s of %s "
               "(%.2f s)",
               tb[T_GRIDS].rows, tb[T_ATOMS].rows, tb[T_ASSIGNMENTS].rows, cfg->output.postgis_schema, tb[T_GRIDS].live,
               cfg->output.postgis_schema, tb[T_ATOMS].live, cfg->output.postgis_schema, tb[T_ASSIGNMENTS].live,
               c.shown, gp_now() - t0);
    return st;
}
