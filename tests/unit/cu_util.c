/* Small helpers: number and range parsing, paths, JSON escaping. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_tester.h"
#include "plan/plan.h"

static void test_ranges(void)
{
    static const struct { const char *s; int ok; double lo, hi; } T[] = {
        {"300..500", 1, 300, 500},   {"..2500", 1, -INFINITY, 2500}, {"300..", 1, 300, INFINITY},
        {" 1.5 .. 2 ", 1, 1.5, 2},   {"500..300", 0, 0, 0},          {"..", 0, 0, 0},
        {"300", 0, 0, 0},            {"a..b", 0, 0, 0},              {"1..2..3", 0, 0, 0},
        {"300...500", 0, 0, 0},      {"", 0, 0, 0},                  {"7..7", 1, 7, 7},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        double lo = 0, hi = 0;
        int ok = gp_parse_range(T[i].s, &lo, &hi);
        CU_ASSERT_EQUAL(ok, T[i].ok);
        if (ok && T[i].ok) {
            CU_ASSERT(lo == T[i].lo);
            CU_ASSERT(hi == T[i].hi);
        }
    }
}

static void test_numbers(void)
{
    double d;
    long l;
    CU_ASSERT(gp_parse_double(" 12.5 ", &d) && d == 12.5);
    CU_ASSERT(!gp_parse_double("12.5x", &d));
    CU_ASSERT(!gp_parse_double("nan", &d));
    CU_ASSERT(!gp_parse_double("inf", &d));
    CU_ASSERT(!gp_parse_double("", &d));
    CU_ASSERT(gp_parse_int("42", &l) && l == 42);
    CU_ASSERT(!gp_parse_int("4.2", &l));
    CU_ASSERT(!gp_parse_int("99999999999999999999999", &l));
}

static void test_paths(void)
{
    char *p = gp_path_join("a/b", "c.gpkg");
    CU_ASSERT_STRING_EQUAL(p, "a/b/c.gpkg");
    free(p);
    p = gp_path_join("a/b", "/abs/c.gpkg");
    CU_ASSERT_STRING_EQUAL(p, "/abs/c.gpkg");
    free(p);
    p = gp_path_dirname("x/y/scenario.ini");
    CU_ASSERT_STRING_EQUAL(p, "x/y");
    free(p);
    p = gp_path_dirname("scenario.ini");
    CU_ASSERT_STRING_EQUAL(p, ".");
    free(p);
}

static void test_json(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    gp_json j;
    gp_json_init(&j, f);
    gp_json_obj_begin(&j);
    gp_json_key(&j, "s");
    gp_json_str(&j, "a\"b\\c\n\x01 社区");
    gp_json_key(&j, "n");
    gp_json_num(&j, NAN);
    gp_json_key(&j, "a");
    gp_json_arr_begin(&j);
    gp_json_int(&j, 1);
    gp_json_num(&j, 2.5);
    gp_json_arr_end(&j);
    gp_json_key(&j, "e");
    gp_json_obj_begin(&j);
    gp_json_obj_end(&j);
    gp_json_obj_end(&j);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"s\": \"a\\\"b\\\\c\\n\\u0001 社区\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"n\": null"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "2.5\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"e\": {}"));
    CU_ASSERT_PTR_NULL(strstr(buf, ",\n  }"));
    free(buf);
}

/* One-to-one matching of two labellings by shared weight. */
static void test_match_labels(void)
{
    /* items:        0  1  2  3  4  5  6 */
    const int la[] = {0, 0, 0, 1, 1, 2, -1};
    const int lb[] = {1, 1, 0, 0, 0, 2, 2};
    const double w[] = {5, 5, 1, 4, 4, 0, 9};
    int m[3];
    CU_ASSERT_FATAL(gp_match_labels(7, la, lb, w, 3, 3, m));
    CU_ASSERT_EQUAL(m[1], 0); /* a0 shares 10 with b1 */
    CU_ASSERT_EQUAL(m[0], 1); /* a1 shares 8 with b0; a0 is taken */
    CU_ASSERT_EQUAL(m[2], -1); /* a2 shares no weight; item 6 has no a label */
    /* ties: equal weight goes to the lower b label first */
    const int ta[] = {0, 0}, tb[] = {1, 0};
    const double tw[] = {2, 2};
    int t[2];
    CU_ASSERT_FATAL(gp_match_labels(2, ta, tb, tw, 1, 2, t));
    CU_ASSERT_EQUAL(t[0], 0);
    CU_ASSERT_EQUAL(t[1], -1);
}

static void test_strerror(void)
{
    for (int s = GP_OK; s <= GP_ERR_INTERNAL; s++)
        CU_ASSERT(strcmp(gp_strerror((gp_status)s), "unknown status") != 0);
    CU_ASSERT_STRING_EQUAL(gp_strerror((gp_status)999), "unknown status");
    CU_ASSERT_STRING_EQUAL(gp_version(), GP_VERSION_STRING);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp_version_libraries(), "GEOS"));
    gp_ctx_destroy(NULL);
    gp_scenario_destroy(NULL);
}

/* FIPS 180-2 test vectors, and the same digest whether the message comes
 * in one piece or byte by byte across block boundaries. */
static void test_sha256(void)
{
    static const struct { const char *msg, *hex; } T[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        gp_sha256 s;
        char hex[65];
        gp_sha256_init(&s);
        gp_sha256_update(&s, T[i].msg, strlen(T[i].msg));
        gp_sha256_hex(&s, hex);
        CU_ASSERT_STRING_EQUAL(hex, T[i].hex);
        gp_sha256_init(&s);
        for (size_t b = 0; T[i].msg[b]; b++)
            gp_sha256_update(&s, T[i].msg + b, 1);
        gp_sha256_hex(&s, hex);
        CU_ASSERT_STRING_EQUAL(hex, T[i].hex);
    }
    /* a million 'a's: many blocks */
    gp_sha256 s;
    char hex[65], a[1000];
    memset(a, 'a', sizeof a);
    gp_sha256_init(&s);
    for (int i = 0; i < 1000; i++)
        gp_sha256_update(&s, a, sizeof a);
    gp_sha256_hex(&s, hex);
    CU_ASSERT_STRING_EQUAL(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

void register_util_suite(void)
{
    static const cu_case cases[] = {{"ranges", test_ranges}, {"numbers", test_numbers}, {"paths", test_paths},
                                    {"json", test_json},     {"strerror", test_strerror}, {"match labels", test_match_labels}, {"sha256", test_sha256},
                                    {NULL, NULL}};
    cu_add_suite("util", cases);
}
