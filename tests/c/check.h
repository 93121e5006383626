/* The check macros of the C and C++ ABI test programs: each counts its checks and failures,
 * prints a failed one with its place, and goes on; the program exits non-zero if any failed. */
#ifndef WSACCEPT_TEST_CHECK_H
#define WSACCEPT_TEST_CHECK_H

#include <stdio.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        checks++;                                                                    \
        if (!(cond)) {                                                               \
            failures++;                                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                     \
    do {                                                                                   \
        long long a_ = (long long)(a), b_ = (long long)(b);                                \
        checks++;                                                                          \
        if (a_ != b_) {                                                                    \
            failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
                    #a, a_, #b, b_);                                                       \
        }                                                                                  \
    } while (0)

#endif
