/*
 * The scenario parser: the bytes are a scenario file's text, parsed with
 * gp_scenario_parse (inih, every key checked against the table of keys,
 * the keys against each other) into the typed gp_config. A scenario that
 * parses is then read through the public getters, takes an override the
 * way the command line's --out does, and its typed configuration is walked
 * before and after, so that a pointer left dangling by the rebuild is
 * caught by AddressSanitizer.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "config/config.h"

/* Reads every string of a field or a source, so that AddressSanitizer
 * checks each one still points at live memory. */
static size_t field_len(const gp_cfg_field *f)
{
    return (f->key ? strlen(f->key) : 0) + (f->name ? strlen(f->name) : 0);
}

static size_t source_len(const gp_cfg_source *s)
{
    return (s->key ? strlen(s->key) : 0) + (s->path ? strlen(s->path) : 0) + (s->layer ? strlen(s->layer) : 0) +
           (s->crs ? strlen(s->crs) : 0) + field_len(&s->x) + field_len(&s->y) + field_len(&s->wkt);
}

static size_t config_walk(const gp_config *c)
{
    size_t n = c->path ? strlen(c->path) : 0;
    const gp_cfg_source *src[] = {&c->input.units, &c->input.communities, &c->input.cases,
                                  &c->input.existing_plan, &c->input.weights, &c->input.workers};
    for (size_t i = 0; i < sizeof src / sizeof src[0]; i++)
        n += source_len(src[i]);
    const gp_cfg_field *fld[] = {&c->input.units_id, &c->input.units_population, &c->input.units_households,
                                 &c->input.units_lock, &c->input.units_dedicated, &c->input.communities_id,
                                 &c->input.communities_name, &c->input.communities_code, &c->input.cases_type,
                                 &c->input.existing_plan_id, &c->input.weights_field, &c->input.workers_id,
                                 &c->input.workers_name, &c->input.workers_community, &c->input.workers_grids,
                                 &c->input.workers_fte, &c->input.workers_lock};
    for (size_t i = 0; i < sizeof fld / sizeof fld[0]; i++)
        n += field_len(fld[i]);
    n += c->input.crs ? strlen(c->input.crs) : 0;
    n += c->grid.count_text ? strlen(c->grid.count_text) : 0;
    for (int i = 0; i < c->case_weights.n; i++)
        n += strlen(c->case_weights.type[i]) + (c->case_weights.weight[i] > c->case_weights.fallback);
    n += c->output.dir ? strlen(c->output.dir) : 0;
    n += c->output.crs ? strlen(c->output.crs) : 0;
    n += gp_config_lists(c->output.formats, "gpkg") + gp_config_lists(c->output.formats, "shp");
    /* the values a range or a count holds are read as the stages read them */
    n += c->grid.households.set && c->grid.households.lo > c->grid.households.hi;
    n += c->grid.count == GP_COUNT_RANGE && c->grid.count_min > c->grid.count_max;
    return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gp_fuzz_ctx();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gp_ctx *ctx = gp_fuzz_ctx();
    char *text = gp_fuzz_text(data, size);
    if (!text)
        return 0;
    gp_scenario *sc = NULL;
    /* a base folder as gp_scenario_load gives one: relative paths are joined to it */
    if (gp_scenario_parse(ctx, text, "fuzz.ini", "/data/scenarios", &sc) == GP_OK) {
        volatile size_t sink = config_walk(gp_scenario_config(sc));
        static const char *const keys[][2] = {{"input", "units"}, {"input", "crs"}, {"grid", "count"},
                                              {"output", "dir"}, {"case_weights", "default"}};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            const char *v = gp_scenario_get(sc, keys[i][0], keys[i][1]);
            sink += v ? strlen(v) : 0;
        }
        sink += strlen(gp_scenario_output_dir(sc));
        /* as the command line's --out: the configuration is rebuilt and
         * must not keep the value it replaced */
        if (gp_scenario_set(ctx, sc, "output", "dir", "out/fuzz") == GP_OK)
            sink += config_walk(gp_scenario_config(sc));
        (void)sink;
    }
    gp_scenario_destroy(sc);
    free(text);
    return 0;
}
