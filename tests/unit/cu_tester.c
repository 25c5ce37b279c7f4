/* CUnit runner for gridplan's unit suites. `test_unit` runs them all;
 * `test_unit NAME` runs one suite. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "cu_tester.h"

typedef struct { const char *name; void (*reg)(void); } suite_entry;

static const suite_entry SUITES[] = {
    {"util", register_util_suite},
    {"scenario", register_scenario_suite},
    {"partition", register_partition_suite},
    {"spatial", register_spatial_suite},
    {"cells", register_cells_suite},
    {"load", register_load_suite},
    {"glpk", register_glpk_suite},
    {"realdata", register_realdata_suite},
    {"locale", register_locale_suite},
    {"cancel", register_cancel_suite},
};

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    int found = 0;
    for (size_t i = 0; i < sizeof SUITES / sizeof SUITES[0]; i++)
        if (argc < 2 || strcmp(argv[1], SUITES[i].name) == 0) {
            SUITES[i].reg();
            found++;
        }
    if (!found) {
        fprintf(stderr, "test_unit: no suite named '%s'\n", argv[1]);
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    return fails ? 1 : (run ? 0 : 77);
}
