/* A minimal streaming JSON writer: enough for report.json, with correct
 * string escaping and no trailing commas. Numbers that are not finite are
 * written as null (JSON has no NaN or infinity). */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>

#include "core/core.h"

void gp_json_init(gp_json *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->first[0] = true;
    j->after_key = false;
}

static void indent(gp_json *j)
{
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

/* Called before every value or key: commas and indentation. */
static void pre(gp_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (!j->first[j->depth])
            fputc(',', j->f);
        indent(j);
    }
    j->first[j->depth] = false;
}

static void open(gp_json *j, char c)
{
    pre(j);
    fputc(c, j->f);
    if (j->depth < 63)
        j->depth++;
    j->first[j->depth] = true;
}

static void close_(gp_json *j, char c)
{
    bool empty = j->first[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (!empty)
        indent(j);
    fputc(c, j->f);
    if (j->depth == 0)
        fputc('\n', j->f);
}

void gp_json_obj_begin(gp_json *j) { open(j, '{'); }
void gp_json_obj_end(gp_json *j) { close_(j, '}'); }
void gp_json_arr_begin(gp_json *j) { open(j, '['); }
void gp_json_arr_end(gp_json *j) { close_(j, ']'); }

static void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void gp_json_key(gp_json *j, const char *key)
{
    pre(j);
    put_str(j->f, key);
    fputs(": ", j->f);
    j->after_key = true;
}

void gp_json_str(gp_json *j, const char *s)
{
    pre(j);
    put_str(j->f, s);
}

void gp_json_num(gp_json *j, double v)
{
    pre(j);
    if (!isfinite(v))
        fputs("null", j->f);
    else if (v == floor(v) && fabs(v) < 1e15)
        fprintf(j->f, "%.0f", v);
    else {
        /* the shortest form that reads back as the same double */
        char b[32];
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(b, sizeof b, "%.*g", prec, v);
            if (strtod(b, NULL) == v)
                break;
        }
        fputs(b, j->f);
    }
}

void gp_json_int(gp_json *j, long long v)
{
    pre(j);
    fprintf(j->f, "%lld", v);
}

void gp_json_bool(gp_json *j, bool v)
{
    pre(j);
    fputs(v ? "true" : "false", j->f);
}

void gp_json_null(gp_json *j)
{
    pre(j);
    fputs("null", j->f);
}

void gp_json_kstr(gp_json *j, const char *key, const char *s)
{
    gp_json_key(j, key);
    gp_json_str(j, s);
}

void gp_json_knstr(gp_json *j, const char *key, const char *s)
{
    gp_json_key(j, key);
    if (s)
        gp_json_str(j, s);
    else
        gp_json_null(j);
}

void gp_json_knum(gp_json *j, const char *key, double v)
{
    gp_json_key(j, key);
    gp_json_num(j, v);
}

void gp_json_kint(gp_json *j, const char *key, long long v)
{
    gp_json_key(j, key);
    gp_json_int(j, v);
}

void gp_json_kbool(gp_json *j, const char *key, bool v)
{
    gp_json_key(j, key);
    gp_json_bool(j, v);
}

void gp_json_kobj(gp_json *j, const char *key)
{
    gp_json_key(j, key);
    gp_json_obj_begin(j);
}

void gp_json_karr(gp_json *j, const char *key)
{
    gp_json_key(j, key);
    gp_json_arr_begin(j);
}
