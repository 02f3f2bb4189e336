/* test.h - a tiny unit-test harness. A test is a function declared with
 * TEST(name); it registers itself at start-up. CHECK* record a failure and
 * go on; REQUIRE* end the test. tests/unit/main.c runs them all and ends
 * with "N passed, N failed". */
#ifndef ECSD_TESTS_TEST_H
#define ECSD_TESTS_TEST_H

#include <stdio.h>
#include <string.h>

typedef struct test_case {
    const char *name;
    void (*fn)(int *failed);
    struct test_case *next;
} test_case_t;

void test_register(test_case_t *tc);

#define TEST(name_)                                                              \
    static void test_fn_##name_(int *test_failed_);                               \
    static test_case_t test_case_##name_ = {#name_, test_fn_##name_, NULL};       \
    __attribute__((constructor)) static void test_reg_##name_(void)              \
    {                                                                             \
        test_register(&test_case_##name_);                                        \
    }                                                                             \
    static void test_fn_##name_(int *test_failed_)

#define CHECK(cond)                                                              \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            *test_failed_ = 1;                                                    \
        }                                                                         \
    } while (0)

#define REQUIRE(cond)                                                            \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "  %s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #cond); \
            *test_failed_ = 1;                                                    \
            return;                                                               \
        }                                                                         \
    } while (0)

#define CHECK_STR(a, b)                                                          \
    do {                                                                          \
        const char *a_ = (a), *b_ = (b);                                          \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                    \
            fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,     \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                      \
            *test_failed_ = 1;                                                    \
        }                                                                         \
    } while (0)

#define CHECK_INT(a, b)                                                          \
    do {                                                                          \
        long long a_ = (long long)(a), b_ = (long long)(b);                       \
        if (a_ != b_) {                                                           \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__,      \
                    __LINE__, #a, a_, b_);                                        \
            *test_failed_ = 1;                                                    \
        }                                                                         \
    } while (0)

#endif
