/* report.html: one self-contained page a planner can open offline and
 * print on A4, a page per community. Maps are inline SVG drawn from the
 * real geometry (working CRS, simplified to about a pixel) with a legend,
 * a scale bar, a north arrow and grid labels where they fit; tables and
 * histograms are plain HTML and SVG; no script, no network. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

void gp_html_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A number with thousands separators and d decimals ("—" when not finite). */
static void num(FILE *f, double v, int d)
{
    if (!isfinite(v)) {
        fputs("&mdash;", f);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", d, fabs(v));
    char *dot = strchr(buf, '.');
    int intlen = dot ? (int)(dot - buf) : (int)strlen(buf);
    if (v < 0 && strspn(buf, "0.") != strlen(buf))
        fputc('-', f);
    for (int i = 0; i < intlen; i++) {
        fputc(buf[i], f);
        if ((intlen - i - 1) % 3 == 0 && i < intlen - 1)
            fputc(',', f);
    }
    if (dot)
        fputs(dot, f);
}

/* ---- maps ---------------------------------------------------------------- */

/* The maps are drawn in the working CRS, which is always projected in
 * metres (io/load.c refuses any other), so an SVG unit is a fixed length on
 * the ground everywhere on a map and up is grid north.
 *
 * Sizes are CSS pixels, which print at 96 to the inch: an A4 page less the
 * 12 mm margins of @page leaves 703 x 1032. The overview is drawn for the
 * screen and scaled to the page width in print; a community's map is drawn
 * at its printed size, next to its table on one page. */
enum {
    OVERVIEW_W = 900,
    OVERVIEW_H = 1000,
    COMMUNITY_W = 680,
    COMMUNITY_H_MIN = 200,
    COMMUNITY_H_MAX = 700,
    LEGEND_GAP = 10, /* the strip under the map: legend, scale bar, north arrow */
    LEGEND_H = 48,
    LEGEND_W = 580,  /* the narrowest the strip fits in: a narrower map is centred over it */
};

/* World (x, y) to SVG: ((x - minx) s, (maxy - y) s); w x h: the map's own
 * area, above the legend strip. */
typedef struct frame { double minx, maxy, s, w, h; } frame;

/* The frame that fits the geometries g, padded, into width x height. */
static bool frame_of(gp_ctx *ctx, const GEOSGeometry *const *g, int n, double width, double height, frame *fr)
{
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int i = 0; i < n; i++) {
        double a, b, c, d;
        if (!g[i] || GEOSisEmpty_r(ctx->geos, g[i]) ||
            !GEOSGeom_getXMin_r(ctx->geos, g[i], &a) || !GEOSGeom_getYMin_r(ctx->geos, g[i], &b) ||
            !GEOSGeom_getXMax_r(ctx->geos, g[i], &c) || !GEOSGeom_getYMax_r(ctx->geos, g[i], &d))
            continue;
        x0 = fmin(x0, a), y0 = fmin(y0, b), x1 = fmax(x1, c), y1 = fmax(y1, d);
    }
    if (!(x1 > x0 && y1 > y0))
        return false;
    double pad = 0.02 * fmax(x1 - x0, y1 - y0);
    x0 -= pad, y0 -= pad, x1 += pad, y1 += pad;
    fr->minx = x0;
    fr->maxy = y1;
    fr->s = fmin(width / (x1 - x0), height / (y1 - y0));
    fr->w = (x1 - x0) * fr->s;
    fr->h = (y1 - y0) * fr->s;
    return true;
}

static void ring_path(gp_ctx *ctx, FILE *f, const frame *fr, const GEOSGeometry *ring)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(ctx->geos, ring);
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(ctx->geos, cs, &n) || n < 3)
        return;
    for (unsigned i = 0; i + 1 < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(ctx->geos, cs, i, &x, &y);
        fprintf(f, "%c%.1f %.1f", i ? 'L' : 'M', (x - fr->minx) * fr->s, (fr->maxy - y) * fr->s);
    }
    fputc('Z', f);
}

/* The polygons of g as one SVG path "d", simplified to tol metres. */
static void geom_path(gp_ctx *ctx, FILE *f, const frame *fr, const GEOSGeometry *g0, double tol)
{
    GEOSGeometry *g = tol > 0 ? GEOSTopologyPreserveSimplify_r(ctx->geos, g0, tol) : NULL;
    const GEOSGeometry *src = g ? g : g0;
    int np = GEOSGetNumGeometries_r(ctx->geos, src);
    for (int p = 0; p < np; p++) {
        const GEOSGeometry *poly = GEOSGetGeometryN_r(ctx->geos, src, p);
        if (GEOSGeomTypeId_r(ctx->geos, poly) != GEOS_POLYGON)
            continue;
        ring_path(ctx, f, fr, GEOSGetExteriorRing_r(ctx->geos, poly));
        int nh = GEOSGetNumInteriorRings_r(ctx->geos, poly);
        for (int h = 0; h < nh; h++)
            ring_path(ctx, f, fr, GEOSGetInteriorRingN_r(ctx->geos, poly, h));
    }
    if (g)
        GEOSGeom_destroy_r(ctx->geos, g);
}

/* Light yellow (low) to dark red (high). */
static void ramp(double t, char out[8])
{
    static const int C[3][3] = {{255, 255, 178}, {253, 141, 60}, {189, 0, 38}};
    t = isfinite(t) ? fmin(1, fmax(0, t)) : 0;
    int k = t < 0.5 ? 0 : 1;
    double u = t < 0.5 ? t / 0.5 : (t - 0.5) / 0.5;
    int rgb[3];
    for (int i = 0; i < 3; i++)
        rgb[i] = (int)lround(C[k][i] + u * (C[k + 1][i] - C[k][i]));
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

/* ---- map furniture: legend, scale bar, north arrow ------------------------ */

/* What the fills and lines mean, at the left of the strip at y: the colour
 * ramp with the workloads at its ends and middle (the ends say <= and >=:
 * the scale is clamped to lo..hi, see gp_report_html). */
static void map_legend(FILE *f, double lo, double hi, bool existing, double y)
{
    enum { STEPS = 20, STEP = 7 };
    fprintf(f, "<g class=\"legend\" transform=\"translate(0 %.1f)\">"
            "<text x=\"0\" y=\"10\">Workload per grid</text>\n", y);
    for (int i = 0; i < STEPS; i++) {
        char col[8];
        ramp((i + 0.5) / STEPS, col);
        fprintf(f, "<rect x=\"%d\" y=\"15\" width=\"%.1f\" height=\"10\" fill=\"%s\"/>", i * STEP, STEP + 0.4, col);
    }
    fputs("\n<text x=\"0\" y=\"38\">&le;&nbsp;", f);
    num(f, lo, 0);
    fprintf(f, "</text><text x=\"%d\" y=\"38\" class=\"mid\">", STEPS * STEP / 2);
    num(f, (lo + hi) / 2, 0);
    fprintf(f, "</text><text x=\"%d\" y=\"38\" class=\"end\">&ge;&nbsp;", STEPS * STEP);
    num(f, hi, 0);
    fputs("</text>\n<path class=\"community\" d=\"M170 8H200\"/><text x=\"206\" y=\"12\">community boundary</text>\n",
          f);
    if (existing)
        fputs("<path class=\"existing\" d=\"M170 28H200\"/><text x=\"206\" y=\"32\">plan in force</text>\n", f);
    fputs("</g>\n", f);
}

/* The round length, 1, 2 or 5 times a power of ten metres, nearest (as a
 * ratio) to a fifth of the map's width map_m; *e: that power of ten. */
static double scale_length(double map_m, int *e)
{
    static const double STEPS[] = {1, 2, 5, 10};
    double target = map_m / 5;
    int k = (int)floor(log10(target));
    double m = target / pow(10, k), best = 1;
    for (int i = 1; i < 4; i++)
        if (fabs(log(m / STEPS[i])) < fabs(log(m / best)))
            best = STEPS[i];
    if (best == 10)
        best = 1, k++;
    *e = k;
    return best * pow(10, k);
}

/* A scale bar in four segments, ending 40 px before the right edge W of the
 * strip at y, labelled in m below a kilometre and in km from one. Its
 * length is measured against the whole width W, the map's or the strip's
 * when that is wider: a fifth of a narrow map would be too short to read. */
static void scale_bar(FILE *f, const frame *fr, double W, double y)
{
    int e;
    double len = scale_length(W / fr->s, &e), px = len * fr->s, q = px / 4;
    fprintf(f, "<g class=\"scalebar\" transform=\"translate(%.1f %.1f)\">", W - 40 - px, y + 14);
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.1f\" height=\"5\" class=\"hollow\"/>"
            "<rect x=\"0\" y=\"0\" width=\"%.1f\" height=\"5\"/><rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"5\"/>"
            "<text x=\"0\" y=\"18\" class=\"mid\">0</text><text x=\"%.1f\" y=\"18\" class=\"mid\">", px, q, 2 * q, q, px);
    if (len >= 1000)
        num(f, len / 1000, 0), fputs(" km", f);
    else
        num(f, len, e < 0 ? -e : 0), fputs(" m", f);
    fputs("</text></g>\n", f);
}

/* An arrow to the top of the map, at the right edge W of the strip at y.
 * Up is grid north of the working CRS, which in a UTM zone is within a few
 * degrees of true north: near enough for a map to find one's way with. */
static void north_arrow(FILE *f, const char *crs, double W, double y)
{
    fprintf(f, "<g class=\"north\" transform=\"translate(%.1f %.1f)\"><title>North (grid north of ", W - 10, y + 26);
    gp_html_esc(f, crs);
    fputs(")</title><path d=\"M0 -10L6 10L0 6L-6 10Z\"/><text x=\"0\" y=\"-13\" class=\"mid\">N</text></g>\n", f);
}

/* ---- grid labels ---------------------------------------------------------- */

typedef struct box { double x0, y0, x1, y1; } box;
/* A grid to label, with its label point in SVG units (NAN: none). */
typedef struct grid_ref { const char *id; int g; double x, y; } grid_ref;
typedef struct label { const char *text; double x, y; } label;

static int cmp_grid_ref(const void *a, const void *b)
{
    return strcmp(((const grid_ref *)a)->id, ((const grid_ref *)b)->id);
}

/* The width of s in pixels at font size fs, guessed from its characters on
 * the wide side (digits and Latin letters are about 0.6 em in the usual
 * sans-serif fonts, CJK 1 em), so that a label said to fit does. */
static double text_width(const char *s, double fs)
{
    double em = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        em += *p < 0x80 ? 0.66 : *p >= 0xE0 ? 1.0 : *p >= 0xC0 ? 0.7 : 0; /* UTF-8: count lead bytes */
    return em * fs;
}

/* A grid's number within its community, its id less the community's code
 * ("231002001001003" -> "003", "Mission-003" -> "003"); NULL for an id of
 * another form (one kept from the plan in force). */
static const char *grid_number(const gp_community *cm, const char *id)
{
    const char *pre[] = {cm->code, cm->id};
    for (int i = 0; i < 2; i++) {
        size_t n = pre[i] ? strlen(pre[i]) : 0;
        if (n && strncmp(id, pre[i], n) == 0 && id[n + (id[n] == '-')])
            return id + n + (id[n] == '-');
    }
    return NULL;
}

/* Whether box b (SVG units) lies inside the polygons g. */
static bool box_inside(gp_ctx *ctx, const frame *fr, const GEOSGeometry *g, box b)
{
    GEOSGeometry *r = GEOSGeom_createRectangle_r(ctx->geos, fr->minx + b.x0 / fr->s, fr->maxy - b.y1 / fr->s,
                                                 fr->minx + b.x1 / fr->s, fr->maxy - b.y0 / fr->s);
    bool in = r && GEOSContains_r(ctx->geos, g, r) == 1;
    if (r)
        GEOSGeom_destroy_r(ctx->geos, r);
    return in;
}

/* Labels for the grids refs[0..n) in that order, each at its label point
 * and only when its box lies inside its grid and clear of the labels
 * placed before it: the grid's id, or with numbers its number in its
 * community. Fills placed and out; returns how many. */
static int place_labels(gp_ctx *ctx, const gp_dataset *ds, const gp_plan *plan, const grid_ref *refs, int n,
                        const frame *fr, double fs, bool numbers, box *placed, label *out)
{
    int np = 0;
    for (int i = 0; i < n; i++) {
        const gp_grid *gr = &plan->grids[refs[i].g];
        if (isnan(refs[i].x))
            continue;
        const char *seq = numbers && gr->community >= 0 && gr->community < ds->n_comms
                              ? grid_number(&ds->comms[gr->community], gr->id)
                              : NULL;
        const char *text = seq ? seq : gr->id;
        double hw = text_width(text, fs) / 2 + 1, hh = 0.65 * fs; /* + 1: the white halo */
        box b = {refs[i].x - hw, refs[i].y - hh, refs[i].x + hw, refs[i].y + hh};
        bool clear = true;
        for (int k = 0; k < np && clear; k++)
            clear = b.x1 <= placed[k].x0 || placed[k].x1 <= b.x0 || b.y1 <= placed[k].y0 || placed[k].y1 <= b.y0;
        if (!clear || !box_inside(ctx, fr, gr->geom, b))
            continue;
        placed[np] = b;
        out[np++] = (label){text, refs[i].x, refs[i].y};
    }
    return np;
}

/* Grid ids where they fit, at font size fs. A label goes at the centre of
 * the largest circle inside its grid (the roomiest spot: a label fits
 * there if anywhere). Grids go in id order, so the same plan gives the
 * same labels. On a community map, where the heading names the community,
 * every grid is labelled with its number instead when some id does not
 * fit: one form per map reads better than a mix. False when out of
 * memory. */
static bool map_labels(gp_ctx *ctx, FILE *f, const gp_dataset *ds, const gp_plan *plan, int c, const frame *fr,
                       double fs)
{
    size_t cap = (size_t)plan->n_grids + 1;
    grid_ref *refs = malloc(cap * sizeof *refs);
    box *placed = malloc(cap * sizeof *placed);
    label *labels = malloc(cap * sizeof *labels);
    if (!refs || !placed || !labels) {
        free(refs), free(placed), free(labels);
        return false;
    }
    int n = 0;
    for (int g = 0; g < plan->n_grids; g++) {
        const gp_grid *gr = &plan->grids[g];
        if ((c < 0 || gr->community == c) && gr->geom && gr->id)
            refs[n++] = (grid_ref){gr->id, g, NAN, NAN};
    }
    qsort(refs, (size_t)n, sizeof *refs, cmp_grid_ref);
    for (int i = 0; i < n; i++) {
        GEOSGeometry *mic = GEOSMaximumInscribedCircle_r(ctx->geos, plan->grids[refs[i].g].geom, 1 / fr->s);
        const GEOSCoordSequence *cs = mic ? GEOSGeom_getCoordSeq_r(ctx->geos, mic) : NULL;
        double x, y;
        if (cs && GEOSCoordSeq_getXY_r(ctx->geos, cs, 0, &x, &y))
            refs[i].x = (x - fr->minx) * fr->s, refs[i].y = (fr->maxy - y) * fr->s;
        if (mic)
            GEOSGeom_destroy_r(ctx->geos, mic);
    }
    int nl = place_labels(ctx, ds, plan, refs, n, fr, fs, false, placed, labels);
    if (c >= 0 && nl < n)
        nl = place_labels(ctx, ds, plan, refs, n, fr, fs, true, placed, labels);
    fprintf(f, "<g class=\"labels\" font-size=\"%.0f\">\n", fs);
    for (int i = 0; i < nl; i++) {
        fprintf(f, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\">", labels[i].x, labels[i].y);
        gp_html_esc(f, labels[i].text);
        fputs("</text>\n", f);
    }
    fputs("</g>\n", f);
    free(refs), free(placed), free(labels);
    return true;
}

/* A map of the grids of community c (all communities when c < 0) fitted
 * into width x height, coloured by workload between lo and hi, with the
 * existing plan's boundaries dashed, community boundaries drawn over, grid
 * labels where they fit, and under it a strip with the legend, a scale bar
 * and a north arrow. False when out of memory. */
static bool map_svg(gp_ctx *ctx, FILE *f, const gp_dataset *ds, const gp_plan *plan, int c, double width,
                    double height, double lo, double hi)
{
    int n = 0;
    const GEOSGeometry **gs = malloc(((size_t)plan->n_grids + (size_t)ds->n_comms + 1) * sizeof *gs);
    if (!gs)
        return false;
    for (int g = 0; g < plan->n_grids; g++)
        if (c < 0 || plan->grids[g].community == c)
            gs[n++] = plan->grids[g].geom;
    frame fr;
    bool drawable = frame_of(ctx, gs, n, width, height, &fr);
    free(gs);
    if (!drawable) {
        fputs("<p class=\"note\">No geometry to draw.</p>\n", f);
        return true;
    }
    double W = fmax(fr.w, LEGEND_W), H = ceil(fr.h) + LEGEND_GAP + LEGEND_H;
    fr.minx -= (W - fr.w) / 2 / fr.s; /* a narrow map centred over the strip */
    double tol = 0.7 / fr.s;         /* about a pixel */
    fprintf(f, "<svg class=\"map%s\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n", c < 0 ? " overview" : " community", W, H, W, H);
    fputs("<title>Grids of ", f);
    if (c >= 0)
        gp_html_esc(f, ds->comms[c].id);
    else
        fputs("all communities", f);
    fputs("</title>\n", f);
    for (int g = 0; g < plan->n_grids; g++) {
        const gp_grid *gr = &plan->grids[g];
        if ((c >= 0 && gr->community != c) || !gr->geom)
            continue;
        char col[8];
        ramp(hi > lo ? (gr->v[GP_A_WORK] - lo) / (hi - lo) : 0.5, col);
        fprintf(f, "<path class=\"grid\" fill=\"%s\" d=\"", col);
        geom_path(ctx, f, &fr, gr->geom, tol);
        fputs("\"><title>", f);
        gp_html_esc(f, gr->id);
        fputs(": workload ", f);
        num(f, gr->v[GP_A_WORK], 0);
        fputs("</title></path>\n", f);
    }
    for (int e = 0; e < ds->n_existing; e++) {
        const GEOSGeometry *eg = ds->existing[e].geom;
        if (!eg)
            continue;
        GEOSGeometry *clip = NULL;
        if (c >= 0) { /* only the plan in force inside this community */
            if (GEOSIntersects_r(ctx->geos, ds->comms[c].geom, eg) != 1)
                continue;
            GEOSGeometry *x = GEOSIntersection_r(ctx->geos, ds->comms[c].geom, eg);
            clip = x ? gp_geom_polygonal(ctx, x) : NULL;
            if (!clip)
                continue;
        }
        fputs("<path class=\"existing\" d=\"", f);
        geom_path(ctx, f, &fr, clip ? clip : eg, tol);
        fputs("\"/>\n", f);
        if (clip)
            GEOSGeom_destroy_r(ctx->geos, clip);
    }
    for (int k = 0; k < ds->n_comms; k++)
        if ((c < 0 || k == c) && ds->comms[k].geom) {
            fputs("<path class=\"community\" d=\"", f);
            geom_path(ctx, f, &fr, ds->comms[k].geom, tol);
            fputs("\"/>\n", f);
        }
    if (!map_labels(ctx, f, ds, plan, c, &fr, c < 0 ? 10 : 11))
        return false;
    double y = ceil(fr.h) + LEGEND_GAP;
    map_legend(f, lo, hi, ds->has_existing, y);
    scale_bar(f, &fr, W, y);
    north_arrow(f, ds->crs, W, y);
    fputs("</svg>\n", f);
    return true;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The height a community's map may take so that its section prints on one
 * A4 page: 1032 px less its heading, its reason (about 100 characters a
 * line), the legend strip and its table at their print sizes (the CSS
 * below: a row of 11 px text is under 21 px), with room to spare. A
 * community of more than about 30 grids gets the smallest map and its
 * table may run on to the next page. */
static double community_map_height(const gp_community *cm, int rows)
{
    double reason = cm->reason[0] ? 20 * (1 + floor((double)strlen(cm->reason) / 100)) + 12 : 0;
    double h = 1032 - 44 - reason - LEGEND_GAP - LEGEND_H - 21.0 * (rows + 1) - 24 - 30;
    return fmin(COMMUNITY_H_MAX, fmax(COMMUNITY_H_MIN, h));
}

/* ---- histogram ------------------------------------------------------------ */

/* Grid workload before (existing grids) and after, in 12 bins. */
static void histogram(FILE *f, const double *before, int nb, const double *after, int na)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < nb; i++)
        lo = fmin(lo, before[i]), hi = fmax(hi, before[i]);
    for (int i = 0; i < na; i++)
        lo = fmin(lo, after[i]), hi = fmax(hi, after[i]);
    if (!isfinite(lo))
        lo = 0;
    if (!(hi > lo))
        hi = lo + 1;
    enum { NB = 12 };
    int cb[NB] = {0}, ca[NB] = {0}, top = 1;
    for (int i = 0; i < nb; i++)
        cb[(int)fmin(NB - 1, (before[i] - lo) / (hi - lo) * NB)]++;
    for (int i = 0; i < na; i++)
        ca[(int)fmin(NB - 1, (after[i] - lo) / (hi - lo) * NB)]++;
    for (int k = 0; k < NB; k++) {
        top = cb[k] > top ? cb[k] : top;
        top = ca[k] > top ? ca[k] : top;
    }
    double W = 640, H = 220, L = 40, B = 30, bw = (W - L - 30) / NB;
    fprintf(f, "<svg class=\"hist\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"><title>Grids by workload</title>\n", W, H, W, H);
    for (int k = 0; k < NB; k++) {
        double x = L + k * bw, hb = (H - B - 10) * cb[k] / top, ha = (H - B - 10) * ca[k] / top;
        if (nb)
            fprintf(f, "<rect class=\"before\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%d grids "
                    "in force</title></rect>\n", x + 2, H - B - hb, bw / 2 - 2, hb, cb[k]);
        fprintf(f, "<rect class=\"after\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%d new "
                "grids</title></rect>\n", x + bw / 2, H - B - ha, bw / 2 - 2, ha, ca[k]);
    }
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" class=\"axis\"/>\n", L, H - B, W - 30, H - B);
    for (int k = 0; k <= NB; k += 3)
        fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" class=\"tick\">%.0f</text>\n", L + k * bw, H - B + 16,
                lo + (hi - lo) * k / NB);
    fprintf(f, "<text x=\"30\" y=\"14\" class=\"tick y\">%d</text><text x=\"30\" y=\"%.0f\" class=\"tick y\">0</text>\n",
            top, H - B);
    fputs("</svg>\n", f);
}

/* ---- the page ------------------------------------------------------------- */

/* On screen one column; in print (@page A4) the front matter first, then
 * the overview map on a page of its own and each community on its own page
 * (the body a flex column in print so that the overview, first on screen,
 * follows the tables there). */
static const char *const CSS =
    "body{font:14px/1.4 sans-serif;color:#222;margin:24px auto;max-width:960px;padding:0 16px}"
    "h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}"
    "h3{font-size:16px;margin:18px 0 6px}.sub{color:#555;margin-top:0}"
    "table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #e4e4e4;"
    "text-align:right}th{background:#f4f4f4}td.l,th.l{text-align:left}"
    ".ok{color:#1a7f37}.bad{color:#b3261e;font-weight:bold}.warn{color:#9a6700}"
    "svg{max-width:100%;height:auto}"
    "svg.map path.grid{stroke:#fff;stroke-width:0.8}svg.map path{fill-rule:evenodd}"
    "svg.map path.existing{fill:none;stroke:#333;stroke-width:1;stroke-dasharray:4 3}"
    "svg.map path.community{fill:none;stroke:#000;stroke-width:1.6}"
    "svg.map text{font-size:11px;fill:#222}svg.map text.mid{text-anchor:middle}svg.map text.end{text-anchor:end}"
    "svg.map g.labels text{font-size:inherit;fill:#000;text-anchor:middle;dominant-baseline:central;"
    "paint-order:stroke;stroke:#fff;stroke-width:2px;stroke-linejoin:round}"
    "svg.map g.scalebar rect{fill:#222;stroke:#222;stroke-width:0.8}svg.map g.scalebar rect.hollow{fill:#fff}"
    "svg.map g.north path{fill:#222}svg.map g.north text{font-weight:bold;font-size:12px}"
    "svg.hist rect.before{fill:#9e9e9e}svg.hist rect.after{fill:#d7301f}svg.hist .axis{stroke:#555}"
    "svg.hist .tick{font-size:11px;fill:#555;text-anchor:middle}svg.hist .tick.y{text-anchor:end}"
    "section.community{page-break-inside:avoid;break-inside:avoid}"
    "@page{size:A4;margin:12mm}"
    "@media print{*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "body{margin:0;padding:0;max-width:none;font-size:12px;display:flex;flex-direction:column}"
    "h1{margin-top:0}h2{margin:14px 0 6px}table{font-size:11px;margin:4px 0}th,td{padding:2px 6px}td{white-space:nowrap}"
    "svg.hist{width:520px}h2,h3{break-after:avoid}tr{break-inside:avoid}"
    "section.overview{order:1;break-before:page;break-after:page}"
    "section.community{order:2;break-before:page}section.community h3{margin-top:0}}";

/* A warning that something cannot be met: "<what><id>: <why>"; returns 1. */
static int problem(FILE *f, const char *what, const char *id, const char *why)
{
    fputs("<li class=\"bad\">", f);
    gp_html_esc(f, what);
    gp_html_esc(f, id);
    fputs(": ", f);
    gp_html_esc(f, why);
    fputs("</li>\n", f);
    return 1;
}

static const char *status_class(int st)
{
    return gp_comm_unmet(st) ? "bad" : st == GP_CS_TIME_CAPPED ? "warn" : "ok";
}

gp_status gp_report_html(gp_ctx *ctx, const gp_config *cfg, const gp_dataset *ds, const gp_plan *plan,
                         const gp_output *out, double elapsed, FILE *f)
{
    double lo = INFINITY, hi = -INFINITY, tot[GP_NATTR] = {0};
    double *after = malloc(((size_t)plan->n_grids + 1) * sizeof *after);
    double *before = calloc((size_t)ds->n_existing + 1, sizeof *before);
    if (!after || !before) {
        free(after), free(before);
        return GP_ERR_NOMEM;
    }
    for (int g = 0; g < plan->n_grids; g++) {
        after[g] = plan->grids[g].v[GP_A_WORK];
        for (int a = 0; a < GP_NATTR; a++)
            tot[a] += plan->grids[g].v[a];
    }
    /* the colour scale spans the 5th to 95th percentile of grid workload,
     * so that one outlier (an infeasible community written as one grid)
     * does not wash out the rest */
    if (plan->n_grids > 0) {
        double *sorted = malloc((size_t)plan->n_grids * sizeof *sorted);
        if (!sorted) {
            free(after), free(before);
            return GP_ERR_NOMEM;
        }
        {
            memcpy(sorted, after, (size_t)plan->n_grids * sizeof *sorted);
            qsort(sorted, (size_t)plan->n_grids, sizeof *sorted, cmp_double);
            lo = sorted[(size_t)(0.05 * (plan->n_grids - 1))];
            hi = sorted[(size_t)ceil(0.95 * (plan->n_grids - 1))];
            free(sorted);
        }
    }
    for (int i = 0; i < ds->n_atoms; i++)
        if (ds->atoms[i].existing >= 0)
            before[ds->atoms[i].existing] += ds->atoms[i].v[GP_A_WORK];
    int infeasible = 0;
    for (int c = 0; c < ds->n_comms; c++)
        infeasible += gp_comm_unmet(ds->comms[c].status);

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>gridplan report: ", f);
    gp_html_esc(f, cfg->path);
    fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>Grid plan</h1>\n<p class=\"sub\">Scenario <code>", CSS);
    gp_html_esc(f, cfg->path);
    fprintf(f, "</code> &middot; gridplan %s &middot; %.1f s &middot; layers in ", GP_VERSION_STRING, elapsed);
    gp_html_esc(f, out->crs_name);
    fputs(", measured in ", f);
    gp_html_esc(f, ds->crs);
    fputs("</p>\n", f);

    /* summary */
    fputs("<h2>Summary</h2>\n<table><tbody>\n", f);
    fprintf(f, "<tr><th class=\"l\">Communities</th><td>%d</td><td class=\"l %s\">%s</td></tr>\n", ds->n_comms,
            infeasible ? "bad" : "ok", infeasible ? "some cannot meet the bounds: see below" : "all within bounds");
    fprintf(f, "<tr><th class=\"l\">Grids</th><td>%d</td><td></td></tr>\n", plan->n_grids);
    static const char *const L[] = {"Households", "Population", "Cases", "Case load", "Workload"};
    for (int a = 0; a < GP_NATTR; a++) {
        double blo, bhi;
        const gp_cfg_bound *bk[] = {&cfg->grid.households, &cfg->grid.population, &cfg->grid.cases, NULL,
                                    &cfg->grid.workload};
        bool bounded = bk[a] && bk[a]->set;
        if (bounded)
            blo = bk[a]->lo, bhi = bk[a]->hi;
        if (tot[a] == 0 && !bounded)
            continue; /* e.g. no households field */
        fprintf(f, "<tr><th class=\"l\">%s</th><td>", L[a]);
        num(f, tot[a], 0);
        fputs("</td><td class=\"l\">", f);
        if (bounded) {
            fputs("per grid ", f);
            if (isfinite(blo))
                num(f, blo, 0);
            fputs("..", f);
            if (isfinite(bhi))
                num(f, bhi, 0);
        }
        fputs("</td></tr>\n", f);
    }
    if (ds->has_existing) {
        fprintf(f, "<tr><th class=\"l\">Plan in force</th><td>%d grids</td><td class=\"l\">", ds->n_existing);
        if (plan->hh_moved >= 0) {
            num(f, plan->hh_moved, 0);
            fputs(" households change grid", f);
        }
        fputs("</td></tr>\n", f);
    }
    if (ds->has_workers) {
        gp_workers_stats b, a;
        gp_staff_spread(ds, false, &b);
        gp_staff_spread(ds, true, &a);
        int unstaffed = 0;
        for (int g = 0; g < plan->n_grids; g++)
            unstaffed += !plan->grids[g].workers;
        fprintf(f, "<tr><th class=\"l\">Workers</th><td>%d</td><td class=\"l\">workload per FTE max/min ",
                ds->n_workers);
        num(f, a.ratio, 2);
        if (ds->has_existing) {
            fputs(" (plan in force ", f);
            num(f, b.ratio, 2);
            fputs(")", f);
        }
        fprintf(f, "; %d transfers; <span class=\"%s\">%d grids without a worker</span></td></tr>\n",
                ds->n_transfers, unstaffed ? "bad" : "ok", unstaffed);
    }
    fputs("</tbody></table>\n", f);

    fputs("<section class=\"overview\">\n<h2>Map</h2>\n", f);
    bool mem = map_svg(ctx, f, ds, plan, -1, OVERVIEW_W, OVERVIEW_H, lo, hi);
    fputs("</section>\n", f);

    fputs("<h2>Grid workload</h2>\n<p class=\"sub\">Number of grids by workload: ", f);
    if (ds->has_existing)
        fputs("<span style=\"color:#777\">&#9632;</span> plan in force, ", f);
    fputs("<span style=\"color:#d7301f\">&#9632;</span> new plan.</p>\n", f);
    histogram(f, before, ds->has_existing ? ds->n_existing : 0, after, plan->n_grids);

    /* solver status per community */
    fputs("<h2>Communities</h2>\n<table><thead><tr><th class=\"l\">Community</th><th>Atoms</th><th>Grids</th>"
          "<th class=\"l\">Status</th><th>Gap</th><th>Seconds</th><th>Households moved</th>", f);
    if (ds->has_workers)
        fputs("<th>FTE before</th><th>FTE after</th><th class=\"l\">Workers</th>", f);
    fputs("</tr></thead><tbody>\n", f);
    for (int c = 0; c < ds->n_comms; c++) {
        const gp_community *cm = &ds->comms[c];
        fputs("<tr><td class=\"l\">", f);
        gp_html_esc(f, cm->id);
        if (cm->name && cm->name[0] && strcmp(cm->name, cm->id) != 0) {
            fputs(" ", f);
            gp_html_esc(f, cm->name);
        }
        fprintf(f, "</td><td>%d</td><td>%d</td><td class=\"l %s\">%s</td><td title=\"search: %s; bound: %s\">",
                cm->n_atoms, cm->n_grids, status_class(cm->status), gp_comm_status_name(cm->status),
                cm->search ? cm->search : "none", cm->bound_by ? cm->bound_by : "none");
        if (isfinite(cm->gap))
            fprintf(f, "%.2f%%", 100 * cm->gap);
        else
            fputs("&mdash;", f);
        fprintf(f, "</td><td>%.2f</td><td>", cm->seconds);
        num(f, cm->hh_moved, 0);
        fputs("</td>", f);
        if (ds->has_workers) {
            fputs("<td>", f);
            num(f, cm->fte0, 1);
            fputs("</td><td>", f);
            num(f, cm->fte1, 1);
            fprintf(f, "</td><td class=\"l %s\">%s</td>", status_class(cm->wstatus),
                    cm->wstatus == GP_CS_PENDING ? "none" : gp_comm_status_name(cm->wstatus));
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);

    /* warnings */
    fputs("<h2>Warnings</h2>\n<ul>\n", f);
    int nw = 0;
    if (ds->n_repaired) {
        fprintf(f, "<li>%d invalid polygons were repaired (listed in report.json, data_quality.repaired).</li>\n",
                ds->n_repaired);
        nw++;
    }
    for (int k = 0; k + 1 < ds->bridges.n; k += 2) {
        const gp_atom *a = &ds->atoms[ds->bridges.v[k]], *b = &ds->atoms[ds->bridges.v[k + 1]];
        fputs("<li>Community ", f);
        gp_html_esc(f, ds->comms[a->community].id);
        fputs(": a detached piece (atom ", f);
        gp_html_esc(f, a->id);
        fputs(") is joined to atom ", f);
        gp_html_esc(f, b->id);
        fputs(" across a gap; its grid counts as contiguous through that bridge.</li>\n", f);
        nw++;
    }
    if (ds->n_cases_unmatched) {
        fprintf(f, "<li>%d cases lie outside every community and are in no grid.</li>\n", ds->n_cases_unmatched);
        nw++;
    }
    if (ds->n_units_moved) {
        fprintf(f, "<li>%d units lie outside every community; their counts went to the nearest atom.</li>\n",
                ds->n_units_moved);
        nw++;
    }
    for (int c = 0; c < ds->n_comms; c++) {
        const gp_community *cm = &ds->comms[c];
        if (gp_comm_unmet(cm->status))
            nw += problem(f, "Community ", cm->id, cm->reason);
        if (cm->wstatus == GP_CS_INFEASIBLE)
            nw += problem(f, "Workers of ", cm->id, cm->wreason);
    }
    if (ds->has_workers && ds->roster_reason[0])
        nw += problem(f, "Roster", NULL, ds->roster_reason);
    if (ds->allocated && ds->alloc_status == GP_CS_INFEASIBLE)
        nw += problem(f, "Allocation", NULL, ds->alloc_reason);
    if (!nw)
        fputs("<li class=\"ok\">None.</li>\n", f);
    fputs("</ul>\n<p>No bound was relaxed: a grid outside the bounds appears only in a community marked "
          "infeasible.</p>\n", f);

    /* one section per community */
    for (int c = 0; c < ds->n_comms; c++) {
        const gp_community *cm = &ds->comms[c];
        double clo = INFINITY, chi = -INFINITY, sum = 0;
        int k = 0;
        for (int g = 0; g < plan->n_grids; g++)
            if (plan->grids[g].community == c) {
                double w = plan->grids[g].v[GP_A_WORK];
                clo = fmin(clo, w), chi = fmax(chi, w), sum += w, k++;
            }
        fputs("<section class=\"community\">\n<h3>", f);
        gp_html_esc(f, cm->id);
        if (cm->name && cm->name[0] && strcmp(cm->name, cm->id) != 0) {
            fputs(" &middot; ", f);
            gp_html_esc(f, cm->name);
        }
        fprintf(f, " <small class=\"%s\">%s</small></h3>\n", status_class(cm->status), gp_comm_status_name(cm->status));
        if (cm->reason[0]) {
            fputs("<p class=\"bad\">", f);
            gp_html_esc(f, cm->reason);
            fputs("</p>\n", f);
        }
        mem = map_svg(ctx, f, ds, plan, c, COMMUNITY_W, community_map_height(cm, k), lo, hi) && mem;
        double mean = k ? sum / k : NAN;
        fputs("<table><thead><tr><th class=\"l\">Grid</th><th>Households</th><th>Population</th><th>Cases</th>"
              "<th>Workload</th><th>vs mean</th><th>Polsby&ndash;Popper</th><th class=\"l\">Workers</th></tr></thead>"
              "<tbody>\n", f);
        for (int g = 0; g < plan->n_grids; g++) {
            const gp_grid *gr = &plan->grids[g];
            if (gr->community != c)
                continue;
            fputs("<tr><td class=\"l\">", f);
            gp_html_esc(f, gr->id);
            if (gr->dedicated)
                fputs(" (dedicated)", f);
            fputs("</td><td>", f);
            num(f, gr->v[GP_A_HH], 0);
            fputs("</td><td>", f);
            num(f, gr->v[GP_A_POP], 0);
            fputs("</td><td>", f);
            num(f, gr->v[GP_A_CASES], 0);
            fputs("</td><td>", f);
            num(f, gr->v[GP_A_WORK], 0);
            fprintf(f, "</td><td>%+.1f%%</td><td>%.2f</td><td class=\"l\">", mean > 0 ? 100 * (gr->v[GP_A_WORK] -
                    mean) / mean : 0.0, gr->polsby_popper);
            gp_html_esc(f, gr->workers ? gr->workers : "");
            fputs("</td></tr>\n", f);
        }
        fputs("</tbody></table>\n</section>\n", f);
        (void)clo, (void)chi;
    }
    fputs("</body></html>\n", f);
    free(after), free(before);
    return mem ? GP_OK : GP_ERR_NOMEM;
}
