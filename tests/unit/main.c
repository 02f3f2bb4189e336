/* Runs every registered unit test; an optional argument runs only the
 * tests whose name contains it. Ends with "N passed, N failed". */
#include <stdio.h>
#include <string.h>

#include "test.h"

static test_case_t *tests_head;

void test_register(test_case_t *tc)
{
    tc->next = tests_head;
    tests_head = tc;
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (test_case_t *tc = tests_head; tc != NULL; tc = tc->next) {
        if (filter != NULL && strstr(tc->name, filter) == NULL)
            continue;
        int f = 0;
        tc->fn(&f);
        if (f) {
            failed++;
            printf("FAIL %s\n", tc->name);
        } else {
            passed++;
            printf("ok   %s\n", tc->name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
