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

/* report.json and report.html into dir; elapsed: seconds so far (report.c). */
gp_status gp_report_write(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                          const gp_output *out, const char *dir, double elapsed);

/* What writes one file of the report into f (the table in report.c). */
typedef gp_status (*gp_report_fn)(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                                  const gp_output *out, double elapsed, FILE *f);
/* report.json (report.c); its "workers" section, null without a roster
 * (workers.c). */
gp_status gp_report_json(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                         const gp_output *out, double elapsed, FILE *f);
void gp_report_workers(gp_json *j, const gp_dataset *ds, const gp_plan *plan);
/* report.html (html.c). */
gp_status gp_report_html(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                         const gp_output *out, double elapsed, FILE *f);
/* Text for HTML: & < > " escaped (html.c). */
void gp_html_esc(FILE *f, const char *s);

#endif
