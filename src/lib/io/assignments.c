/* assignments.csv: one row per worker of the roster with their community,
 * grids, FTE, workload, travel and whether their duty changed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"

static void csv_field(FILE *f, const char *s, bool last)
{
    if (strpbrk(s, ",\"\n\r")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

gp_status gp_write_assignments(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, const char *dir)
{
    if (!ds->has_workers)
        return GP_OK;
    char path[4200];
    FILE *f = gp_out_open(ctx, dir, "assignments.csv", path, sizeof path);
    if (!f)
        return GP_ERR_OUTPUT;
    fputs("worker_id,name,community,grids,fte,workload,workload_per_fte,travel_m,changed,"
          "previous_community,previous_grids,previous_workload\n", f);
    for (int i = 0; i < ds->n_workers; i++) {
        const gp_worker *w = &ds->workers[i];
        char buf[64];
        csv_field(f, w->id, false);
        csv_field(f, w->name, false);
        csv_field(f, w->comm >= 0 ? ds->comms[w->comm].id : "", false);
        size_t len = 1;
        for (int k = 0; k < w->grids.n; k++)
            len += strlen(plan->grids[w->grids.v[k]].id) + 1;
        char *gl = calloc(len, 1);
        if (!gl) {
            fclose(f);
            return gp_fail(ctx, GP_ERR_NOMEM, "%s: out of memory", path);
        }
        for (int k = 0; k < w->grids.n; k++) {
            if (k)
                strcat(gl, ";");
            strcat(gl, plan->grids[w->grids.v[k]].id);
        }
        csv_field(f, gl, false);
        free(gl);
        snprintf(buf, sizeof buf, "%g", w->fte);
        csv_field(f, buf, false);
        snprintf(buf, sizeof buf, "%.2f", w->load);
        csv_field(f, buf, false);
        if (w->fte > 0)
            snprintf(buf, sizeof buf, "%.2f", w->load / w->fte);
        else
            buf[0] = '\0';
        csv_field(f, buf, false);
        if (isfinite(w->travel) && w->grids.n > 0)
            snprintf(buf, sizeof buf, "%.0f", w->travel);
        else
            buf[0] = '\0';
        csv_field(f, buf, false);
        csv_field(f, w->changed < 0 ? "" : w->changed ? "yes" : "no", false);
        csv_field(f, w->home >= 0 ? ds->comms[w->home].id : "", false);
        csv_field(f, w->cur_text, false);
        snprintf(buf, sizeof buf, "%.2f", w->load0);
        csv_field(f, ds->has_existing ? buf : "", true);
    }
    return gp_out_close(ctx, f, path);
}
