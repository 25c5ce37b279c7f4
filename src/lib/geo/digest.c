/* Each community's atoms digest: what an update compares to tell whether a
 * community changed since the previous output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"

static int cmp_atom_id(const void *a, const void *b, void *user)
{
    const gp_atom *atoms = user;
    return strcmp(atoms[*(const int *)a].id, atoms[*(const int *)b].id);
}

gp_status gp_atoms_digest(gp_ctx *ctx, gp_dataset *ds)
{
    GEOSContextHandle_t h = ctx->geos;
    GEOSWKBWriter *wr = GEOSWKBWriter_create_r(h);
    int *order = malloc((size_t)(ds->n_atoms ? ds->n_atoms : 1) * sizeof *order);
    gp_status st = wr && order ? GP_OK : GP_ERR_NOMEM;
    if (wr)
        GEOSWKBWriter_setByteOrder_r(h, wr, GEOS_WKB_NDR);
    for (int c = 0; c < ds->n_comms && !st; c++) {
        gp_community *cm = &ds->comms[c];
        /* by id, so that the order of the input's features does not count;
         * each atom's id, counts, case load, workload and polygon in the
         * working CRS */
        for (int i = 0; i < cm->n_atoms; i++)
            order[i] = cm->first_atom + i;
        qsort_r(order, (size_t)cm->n_atoms, sizeof *order, cmp_atom_id, ds->atoms);
        gp_sha256 s;
        gp_sha256_init(&s);
        for (int q = 0; q < cm->n_atoms && !st; q++) {
            const gp_atom *a = &ds->atoms[order[q]];
            gp_sha256_update(&s, a->id, strlen(a->id) + 1);
            char num[GP_NATTR][32];
            for (int k = 0; k < GP_NATTR; k++)
                gp_sha256_update(&s, num[k], (size_t)snprintf(num[k], sizeof num[k], "%.17g;", a->v[k]));
            size_t len = 0;
            unsigned char *wkb = GEOSWKBWriter_write_r(h, wr, a->geom, &len);
            if (!wkb) {
                st = gp_fail(ctx, GP_ERR_GEOS, "community '%s': atom '%s': cannot write its polygon: %s", cm->id,
                             a->id, gp_geos_lastmsg(ctx));
                break;
            }
            gp_sha256_update(&s, wkb, len);
            GEOSFree_r(h, wkb);
        }
        char hex[65];
        gp_sha256_hex(&s, hex);
        snprintf(cm->atoms_digest, sizeof cm->atoms_digest, "sha256:%s", hex);
    }
    if (wr)
        GEOSWKBWriter_destroy_r(h, wr);
    free(order);
    return st;
}
