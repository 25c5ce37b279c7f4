/*
 * gridplan public API, part 2: scenario files.
 *
 * A scenario is an INI file (see docs/scenario.md for every key). Relative
 * paths inside it are resolved against the scenario file's folder.
 */
#ifndef GRIDPLAN_SCENARIO_H
#define GRIDPLAN_SCENARIO_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_ctx gp_ctx;
typedef struct gp_scenario gp_scenario;

/* Reads and validates the scenario file at path. On success the caller owns
 * *out (free with gp_scenario_destroy). Errors: GP_ERR_IO when the file
 * cannot be read, GP_ERR_SCENARIO for an unknown section or key, a
 * duplicated key, a bad value or range, or a missing required key; the
 * message names the file, the line and the key. */
gp_status gp_scenario_load(gp_ctx *ctx, const char *path, gp_scenario **out);

/* Parses a scenario from a string; base_dir resolves relative paths and
 * name is used in messages. Same errors as gp_scenario_load. */
gp_status gp_scenario_parse(gp_ctx *ctx, const char *text, const char *name,
                            const char *base_dir, gp_scenario **out);

/* Sets one key as if it were written in the file (used for command-line
 * overrides such as --out). Relative paths given here are resolved against
 * the current directory. Errors: GP_ERR_SCENARIO. */
gp_status gp_scenario_set(gp_ctx *ctx, gp_scenario *sc, const char *section,
                          const char *key, const char *value);

/* Sets n keys at once, then checks the scenario once, so that keys that
 * depend on each other ([atoms] mode = cells and size) can be given in
 * any order. Same rules and errors as gp_scenario_set. */
gp_status gp_scenario_set_many(gp_ctx *ctx, gp_scenario *sc, int n, const char *const *sections,
                               const char *const *keys, const char *const *values);

/* The value of a key after resolution ("" for a set but empty value), or
 * NULL when the key is not set; the scenario owns the string. */
const char *gp_scenario_get(const gp_scenario *sc, const char *section,
                            const char *key);

/* The resolved output folder (never NULL after a successful load). */
const char *gp_scenario_output_dir(const gp_scenario *sc);

/* Frees a scenario; NULL does nothing. */
void gp_scenario_destroy(gp_scenario *sc);

#ifdef __cplusplus
}
#endif

#endif
