/*
 * report: what a run says about itself. report.json (every figure a batch
 * job needs, documented in docs/report.md) and report.html (the same for
 * people: maps, tables, a histogram); and gridplan compare, which reads
 * what runs wrote.
 */
#ifndef GP_REPORT_H
#define GP_REPORT_H

#include "io/io.h"
#include "plan/plan.h"
#include "staff/staff.h"

/* report.json into dir (report.c). */
gp_status gp_write_report(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                          const gp_output *out, const char *dir, double elapsed);
/* Its "workers" section: null without a roster (workers.c). */
void gp_report_workers(gp_json *j, const gp_dataset *ds, const gp_plan *plan);
/* report.html into dir (html.c). */
gp_status gp_write_html(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                        const gp_output *out, const char *dir, double elapsed);
/* Text for HTML: & < > " escaped (html.c). */
void gp_html_esc(FILE *f, const char *s);

#endif
