/* Grid codes ([output] grid_codes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

/* True when s is exactly n decimal digits. */
static bool all_digits(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Grid codes ([output] grid_codes). Structured codes follow the form of
 * Chinese grid standards: the community's 12-digit code (6 administrative +
 * 3 street + 3 community) and a 3-digit sequence; simple ones are
 * COMMUNITY-NNN. Sequences follow the numbering order (rows north to south,
 * west to east in a row). A grid made of exactly the atoms of one grid of
 * the plan in force keeps that grid's id, so codes stay put where nothing
 * changed; new grids take the lowest free sequence numbers. */
/* Whether grid codes are structured; with grid_codes = structured, an
 * error naming the first community without a 12-digit code. */
gp_status gp_codes_structured(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, bool *structured)
{
    *structured = cfg->output.grid_codes != GP_CODES_SIMPLE;
    for (int c = 0; c < ds->n_comms && *structured; c++) {
        const gp_community *cm = &ds->comms[c];
        const char *code = cm->code ? cm->code : cm->id;
        if (!all_digits(code, 12)) {
            *structured = false;
            if (cfg->output.grid_codes == GP_CODES_STRUCTURED)
                return gp_fail(ctx, GP_ERR_INPUT, "%s: community '%s' has the code '%s', not 12 digits (6 "
                               "administrative, 3 street, 3 community): name the field of such codes with [input] "
                               "communities.code, or set [output] grid_codes = simple", ds->in_comms.path
                               ? ds->in_comms.path : cfg->path, cm->id, code);
        }
    }
    return GP_OK;
}

gp_status gp_codes_assign(gp_ctx *ctx, const gp_config *cfg, gp_dataset *ds, gp_plan *plan)
{
    bool structured;
    gp_status st0 = gp_codes_structured(ctx, cfg, ds, &structured);
    if (st0)
        return st0;
    int ng = plan->n_grids, ne = ds->n_existing;
    int *first = malloc((size_t)(ng ? ng : 1) * sizeof *first), *cnt = calloc((size_t)(ng ? ng : 1), sizeof *cnt);
    int *ecnt = calloc((size_t)(ne ? ne : 1), sizeof *ecnt);
    char **ids = calloc((size_t)(ng ? ng : 1), sizeof *ids);
    gp_status st = GP_OK;
    if (!first || !cnt || !ecnt || !ids) {
        st = GP_ERR_NOMEM;
        goto out;
    }
    for (int g = 0; g < ng; g++)
        first[g] = -2;
    for (int i = 0; i < ds->n_atoms; i++) {
        const gp_atom *a = &ds->atoms[i];
        cnt[a->grid]++;
        if (a->existing >= 0)
            ecnt[a->existing]++;
        first[a->grid] = first[a->grid] == -2 || first[a->grid] == a->existing ? a->existing : -1;
    }
    /* kept ids first, then the others in numbering order */
    for (int g = 0; g < ng; g++) {
        int e = first[g];
        if (e < 0 || ecnt[e] != cnt[g])
            continue;
        bool taken = false;
        for (int h = 0; h < ng && !taken; h++)
            taken = ids[h] && strcmp(ids[h], ds->existing[e].id) == 0;
        if (!taken && !(ids[g] = gp_strdup(ds->existing[e].id))) {
            st = GP_ERR_NOMEM;
            goto out;
        }
    }
    int seq = 0, prev_c = -1;
    for (int g = 0; g < ng; g++) {
        if (ids[g])
            continue;
        const gp_community *cm = &ds->comms[plan->grids[g].community];
        if (plan->grids[g].community != prev_c)
            seq = 0, prev_c = plan->grids[g].community;
        char buf[1024];
        for (bool taken = true; taken;) {
            seq++;
            int len = structured ? snprintf(buf, sizeof buf, "%s%03d", cm->code ? cm->code : cm->id, seq)
                                 : snprintf(buf, sizeof buf, "%s-%03d", cm->id, seq);
            if (len < 0 || (size_t)len >= sizeof buf) {
                st = gp_fail(ctx, GP_ERR_INPUT, "community '%.60s...': its id is too long for grid codes (over %zu "
                             "bytes): use shorter community ids", cm->id, sizeof buf - 8);
                goto out;
            }
            taken = false;
            for (int h = 0; h < ng && !taken; h++)
                taken = ids[h] && strcmp(ids[h], buf) == 0;
        }
        if (!(ids[g] = gp_strdup(buf))) {
            st = GP_ERR_NOMEM;
            goto out;
        }
    }
    for (int g = 0; g < ng; g++) {
        free(plan->grids[g].id);
        plan->grids[g].id = ids[g];
        ids[g] = NULL;
    }
out:
    for (int g = 0; ids && g < ng; g++)
        free(ids[g]);
    free(first), free(cnt), free(ecnt), free(ids);
    return st;
}

