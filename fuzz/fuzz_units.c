/*
 * The units reader (io/load.c): the bytes are a units CSV whose polygons
 * are WKT in a column named WKT (GDAL's CSV driver, GEOM_POSSIBLE_NAMES),
 * loaded with gp_load as a run loads [input] units: opened, its counts
 * checked, every polygon projected to the working CRS, repaired when
 * invalid, zero-area units skipped, ids checked unique, and, with no
 * communities layer, all units unioned into one community.
 *
 * The CRSs are the demo's written as PROJ strings: CGCS2000 lon/lat
 * (EPSG:4490) is GRS80 lon/lat, and its working CRS (EPSG:32652) UTM zone
 * 52 on the same ellipsoid. gp_load makes a new PROJ context for every
 * layer, and an EPSG code costs a search of PROJ's database in each
 * (40-300 ms under AddressSanitizer for EPSG:4490 with crs = auto, about
 * 4 ms for these strings); the units are what is fuzzed here, not the
 * database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "io/io.h"

/* units.lock and units.dedicated name fields that must be there once
 * named; the demo's units have neither, so a scenario names them only when
 * the header does: index lock + 2 * dedicated. */
static gp_scenario *scenarios[4];
static char units_path[512];

static bool header_names(const uint8_t *data, size_t size, const char *name)
{
    size_t n = 0, len = strlen(name);
    while (n < size && data[n] != '\n')
        n++;
    for (size_t i = 0; i + len <= n; i++)
        if (strncasecmp((const char *)data + i, name, len) == 0)
            return true;
    return false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gp_ctx *ctx = gp_fuzz_ctx();
    if (!gp_fuzz_path(units_path, sizeof units_path, "units.csv"))
        abort();
    for (int k = 0; k < 4; k++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "[input]\n"
                 "units = %s\n"
                 "units.id = unit_id\n"
                 "units.households = hh\n"
                 "units.population = pop\n"
                 "units.crs = +proj=longlat +ellps=GRS80 +no_defs\n"
                 "%s%s"
                 "crs = +proj=utm +zone=52 +ellps=GRS80 +units=m +no_defs\n",
                 units_path, k & 1 ? "units.lock = lock\n" : "", k & 2 ? "units.dedicated = dedicated\n" : "");
        if (gp_scenario_parse(ctx, text, "units.ini", gp_fuzz_dir(), &scenarios[k]) != GP_OK)
            abort(); /* the harness's own scenario: a mistake here is the harness's */
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gp_ctx *ctx = gp_fuzz_ctx();
    if (!gp_fuzz_write(units_path, data, size))
        return 0;
    int k = header_names(data, size, "lock") + 2 * header_names(data, size, "dedicated");
    gp_dataset ds;
    memset(&ds, 0, sizeof ds);
    gp_load(ctx, gp_scenario_config(scenarios[k]), &ds);
    gp_dataset_free(ctx, &ds);
    return 0;
}
