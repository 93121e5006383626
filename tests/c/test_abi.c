/* Drives every function of the C ABI through include/wsaccept.h: good and bad inputs, NULLs,
 * n = 0, threads 0/1/2, unaligned buffers, the scattered call, the response writer with every
 * too-small buffer size, concurrent callers, and batches in a forked child. Built and run by
 * tests/c_abi.rs, linked once
 * against libwsaccept.a and once against libwsaccept.so, under ASan + UBSan.
 * Exit status 0 only if every check passed. */
#define _POSIX_C_SOURCE 200809L /* fork, waitpid, alarm, kill, nanosleep under -std=c11 */
#include "wsaccept.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static const char SAMPLE_KEY[] = "dGhlIHNhbXBsZSBub25jZQ==";
static const char SAMPLE_ACCEPT[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

static int all_bytes(const void *p, size_t n, unsigned char v) {
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != v) return 0;
    return 1;
}

/* A buffer at an odd address: malloc'd one byte further, so nothing is aligned. */
static char *odd_alloc(size_t n) {
    char *p = (char *)malloc(n + 1);
    if (!p) abort();
    return p + 1;
}
static void odd_free(char *p) { free(p - 1); }

static void test_strings(void) {
    const char *v = wsaccept_version();
    CHECK(v != NULL && strlen(v) > 0 && strchr(v, '.') != NULL);
    const char *b = wsaccept_backend();
    CHECK(b != NULL && strlen(b) > 0);
    CHECK(wsaccept_backend() == b); /* static, same each time */
    for (int code = -9; code <= 0; code++) {
        const char *s = wsaccept_strerror(code);
        CHECK(s != NULL && strlen(s) > 0);
        for (int other = code + 1; other <= 0; other++)
            CHECK(strcmp(s, wsaccept_strerror(other)) != 0); /* each code its own text */
    }
    const char *unknown = wsaccept_strerror(-1000);
    CHECK(unknown != NULL && strlen(unknown) > 0);
    CHECK(wsaccept_strerror(12345) != NULL);
    CHECK(wsaccept_strerror(INT32_MIN) != NULL);
    /* the four key codes are the per-item codes of the batch calls */
    CHECK_EQ(WSACCEPT_OK, 0);
    CHECK_EQ(WSACCEPT_NULL_POINTER, -1);
    CHECK_EQ(WSACCEPT_KEY_LENGTH, -2);
    CHECK_EQ(WSACCEPT_KEY_ALPHABET, -3);
    CHECK_EQ(WSACCEPT_KEY_PADDING, -4);
    CHECK_EQ(WSACCEPT_KEY_NONCANONICAL, -5);
}

static void test_accept(void) {
    char out[WSACCEPT_ACCEPT_LEN + 1];
    memset(out, 'X', sizeof out);
    CHECK_EQ(wsaccept_accept(SAMPLE_KEY, 24, out), WSACCEPT_OK);
    CHECK(memcmp(out, SAMPLE_ACCEPT, 28) == 0);
    CHECK(out[28] == 'X'); /* exactly 28 bytes, no NUL */

    /* OWS around the key is trimmed */
    const char *ows = " \tdGhlIHNhbXBsZSBub25jZQ== \t";
    memset(out, 'X', sizeof out);
    CHECK_EQ(wsaccept_accept(ows, strlen(ows), out), WSACCEPT_OK);
    CHECK(memcmp(out, SAMPLE_ACCEPT, 28) == 0);

    /* unaligned key and output */
    char *k = odd_alloc(24), *o = odd_alloc(28);
    memcpy(k, SAMPLE_KEY, 24);
    CHECK_EQ(wsaccept_accept(k, 24, o), WSACCEPT_OK);
    CHECK(memcmp(o, SAMPLE_ACCEPT, 28) == 0);
    odd_free(k);
    odd_free(o);

    /* each error, with out untouched */
    struct {
        const char *key;
        int want;
    } bad[] = {
        {"dGhlIHNhbXBsZSBub25jZQ=", WSACCEPT_KEY_LENGTH},
        {"dGhlIHNhbXBsZSBub25jZQ===", WSACCEPT_KEY_LENGTH},
        {"", WSACCEPT_KEY_LENGTH},
        {"   ", WSACCEPT_KEY_LENGTH},
        {"!GhlIHNhbXBsZSBub25jZQ==", WSACCEPT_KEY_ALPHABET},
        {"dGhlIHNhbXBs-SBub25jZQ==", WSACCEPT_KEY_ALPHABET},
        {"dGhlIHNhbXBsZSBub25jZQ=A", WSACCEPT_KEY_PADDING},
        {"dGhlIHNhbXBsZSBub25j=Q==", WSACCEPT_KEY_PADDING},
        {"dGhlIHNhbXBsZSBub25jZR==", WSACCEPT_KEY_NONCANONICAL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(out, 'X', sizeof out);
        CHECK_EQ(wsaccept_accept(bad[i].key, strlen(bad[i].key), out), bad[i].want);
        CHECK(all_bytes(out, sizeof out, 'X'));
    }
    /* a NUL byte inside the key is just a bad byte */
    char nul_key[24];
    memcpy(nul_key, SAMPLE_KEY, 24);
    nul_key[5] = '\0';
    CHECK_EQ(wsaccept_accept(nul_key, 24, out), WSACCEPT_KEY_ALPHABET);

    /* NULLs */
    CHECK_EQ(wsaccept_accept(NULL, 24, out), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_accept(NULL, 0, out), WSACCEPT_KEY_LENGTH); /* NULL + 0 is an empty key */
    CHECK_EQ(wsaccept_accept(SAMPLE_KEY, 24, NULL), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_accept(NULL, 0, NULL), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_accept(SAMPLE_KEY, SIZE_MAX, out), WSACCEPT_BAD_ARGUMENT);
}

static void test_accept_lenient(void) {
    char strict[28], lenient[28], other[28];
    CHECK_EQ(wsaccept_accept(SAMPLE_KEY, 24, strict), WSACCEPT_OK);
    CHECK_EQ(wsaccept_accept_lenient(SAMPLE_KEY, 24, lenient), WSACCEPT_OK);
    CHECK(memcmp(strict, lenient, 28) == 0);

    /* what strict refuses, lenient hashes as given */
    CHECK_EQ(wsaccept_accept_lenient("abc", 3, lenient), WSACCEPT_OK);
    CHECK_EQ(wsaccept_accept_lenient(" abc\t", 5, other), WSACCEPT_OK);
    CHECK(memcmp(lenient, other, 28) == 0);
    CHECK_EQ(wsaccept_accept_lenient("dGhlIHNhbXBsZSBub25jZR==", 24, other), WSACCEPT_OK);
    CHECK(memcmp(other, strict, 28) != 0);

    char big[WSACCEPT_MAX_LENIENT_KEY_LEN + 1];
    memset(big, 'a', sizeof big);
    CHECK_EQ(wsaccept_accept_lenient(big, WSACCEPT_MAX_LENIENT_KEY_LEN, other), WSACCEPT_OK);
    memset(other, 'X', 28);
    CHECK_EQ(wsaccept_accept_lenient(big, sizeof big, other), WSACCEPT_KEY_LENGTH);
    CHECK(all_bytes(other, 28, 'X'));
    CHECK_EQ(wsaccept_accept_lenient("", 0, other), WSACCEPT_KEY_LENGTH);
    CHECK_EQ(wsaccept_accept_lenient(" \t ", 3, other), WSACCEPT_KEY_LENGTH);
    CHECK_EQ(wsaccept_accept_lenient(NULL, 0, other), WSACCEPT_KEY_LENGTH);
    CHECK_EQ(wsaccept_accept_lenient(NULL, 3, other), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_accept_lenient("abc", 3, NULL), WSACCEPT_NULL_POINTER);
}

static void test_verify(void) {
    CHECK_EQ(wsaccept_verify(SAMPLE_KEY, 24, SAMPLE_ACCEPT, 28), WSACCEPT_MATCH);
    const char *ows = "  s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\t";
    CHECK_EQ(wsaccept_verify(SAMPLE_KEY, 24, ows, strlen(ows)), WSACCEPT_MATCH);
    char wrong[28];
    memcpy(wrong, SAMPLE_ACCEPT, 28);
    for (int i = 0; i < 28; i++) {
        wrong[i] ^= 1;
        CHECK_EQ(wsaccept_verify(SAMPLE_KEY, 24, wrong, 28), WSACCEPT_MISMATCH);
        wrong[i] ^= 1;
    }
    CHECK_EQ(wsaccept_verify(SAMPLE_KEY, 24, SAMPLE_ACCEPT, 27), WSACCEPT_MISMATCH);
    CHECK_EQ(wsaccept_verify(SAMPLE_KEY, 24, NULL, 0), WSACCEPT_MISMATCH);
    CHECK_EQ(wsaccept_verify(SAMPLE_KEY, 24, NULL, 28), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_verify(NULL, 24, SAMPLE_ACCEPT, 28), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_verify(NULL, 0, SAMPLE_ACCEPT, 28), WSACCEPT_KEY_LENGTH);
    CHECK_EQ(wsaccept_verify("dGhlIHNhbXBsZSBub25jZR==", 24, SAMPLE_ACCEPT, 28),
             WSACCEPT_KEY_NONCANONICAL);
    CHECK_EQ(wsaccept_verify("dGhlIHNhbXBsZSBub25jZQ=A", 24, SAMPLE_ACCEPT, 28),
             WSACCEPT_KEY_PADDING);
}

/* n valid keys from a seed, at an odd address. */
static char *make_keys(size_t n, uint64_t seed) {
    char *keys = odd_alloc(n * 24 + 1);
    CHECK_EQ(wsaccept_generate(keys, NULL, n, seed), WSACCEPT_OK);
    return keys;
}

static void test_accept_batch(void) {
    /* n = 0: fine with NULL pointers */
    CHECK_EQ(wsaccept_accept_batch(NULL, 0, NULL, NULL, 1), 0);
    CHECK_EQ(wsaccept_accept_batch(NULL, 0, NULL, NULL, 0), 0);

    const size_t sizes[] = {1, 2, 127, 128, 129, 300, 9000};
    const size_t threads[] = {1, 0, 2};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        char *keys = make_keys(n, 1000 + n);
        /* some invalid keys at chosen places */
        size_t bad_at[4] = {0, n / 2, n - 1, n / 3};
        int bad_code[4] = {WSACCEPT_KEY_ALPHABET, WSACCEPT_KEY_PADDING, WSACCEPT_KEY_NONCANONICAL,
                           WSACCEPT_KEY_ALPHABET};
        size_t nbad = n >= 4 ? 4 : 1;
        for (size_t b = 0; b < nbad; b++) {
            char *k = keys + bad_at[b] * 24;
            if (bad_code[b] == WSACCEPT_KEY_ALPHABET) k[3] = '*';
            if (bad_code[b] == WSACCEPT_KEY_PADDING) k[23] = 'A';
            if (bad_code[b] == WSACCEPT_KEY_NONCANONICAL) k[21] = 'B';
        }
        size_t invalid = 0;
        for (size_t i = 0; i < n; i++) {
            char one[28];
            if (wsaccept_accept(keys + i * 24, 24, one) != WSACCEPT_OK) invalid++;
        }
        CHECK_EQ(invalid, nbad);

        for (size_t ti = 0; ti < 3; ti++) {
            char *out = odd_alloc(n * 28);
            int8_t *status = (int8_t *)odd_alloc(n);
            memset(out, 'X', n * 28);
            memset(status, 0x55, n); /* arbitrary bytes: the library must overwrite all */
            CHECK_EQ(wsaccept_accept_batch(keys, n, out, status, threads[ti]), (long long)nbad);
            for (size_t i = 0; i < n; i++) {
                char one[28];
                int rc = wsaccept_accept(keys + i * 24, 24, one);
                CHECK_EQ(status[i], rc);
                if (rc == WSACCEPT_OK)
                    CHECK(memcmp(out + i * 28, one, 28) == 0);
                else
                    CHECK(all_bytes(out + i * 28, 28, 0));
            }
            for (size_t b = 0; b < nbad; b++) CHECK_EQ(status[bad_at[b]], bad_code[b]);
            /* status NULL: same outputs */
            char *out2 = odd_alloc(n * 28);
            CHECK_EQ(wsaccept_accept_batch(keys, n, out2, NULL, threads[ti]), (long long)nbad);
            CHECK(memcmp(out, out2, n * 28) == 0);
            odd_free(out2);
            odd_free(out);
            odd_free((char *)status);
        }
        odd_free(keys);
    }

    /* argument errors: nothing written */
    char keys[24 * 2], out[28 * 2];
    int8_t status[2] = {0x55, 0x55};
    memcpy(keys, SAMPLE_KEY, 24);
    memcpy(keys + 24, SAMPLE_KEY, 24);
    memset(out, 'X', sizeof out);
    CHECK_EQ(wsaccept_accept_batch(NULL, 2, out, status, 1), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_accept_batch(keys, 2, NULL, status, 1), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_accept_batch(keys, 2, out, status, WSACCEPT_MAX_THREADS + 1),
             WSACCEPT_BAD_ARGUMENT);
    CHECK_EQ(wsaccept_accept_batch(keys, 2, out, status, SIZE_MAX), WSACCEPT_BAD_ARGUMENT);
    CHECK_EQ(wsaccept_accept_batch(keys, SIZE_MAX / 28 + 1, out, status, 1), WSACCEPT_BAD_ARGUMENT);
    CHECK_EQ(wsaccept_accept_batch(keys, SIZE_MAX, out, status, 1), WSACCEPT_BAD_ARGUMENT);
    CHECK(all_bytes(out, sizeof out, 'X'));
    CHECK(all_bytes(status, 2, 0x55));
    CHECK_EQ(wsaccept_accept_batch(keys, 2, out, status, WSACCEPT_MAX_THREADS), 0);
    CHECK(memcmp(out + 28, SAMPLE_ACCEPT, 28) == 0);
}

static void test_verify_batch(void) {
    CHECK_EQ(wsaccept_verify_batch(NULL, NULL, 0, NULL, 1), 0);
    const size_t sizes[] = {1, 5, 300, 9000};
    const size_t threads[] = {1, 0, 2};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        char *keys = odd_alloc(n * 24), *acc = odd_alloc(n * 28);
        CHECK_EQ(wsaccept_generate(keys, acc, n, 77 + n), WSACCEPT_OK);
        for (size_t ti = 0; ti < 3; ti++) {
            int8_t *result = (int8_t *)odd_alloc(n);
            memset(result, 0x7f, n);
            CHECK_EQ(wsaccept_verify_batch(keys, acc, n, result, threads[ti]), 0);
            for (size_t i = 0; i < n; i++) CHECK_EQ(result[i], WSACCEPT_MATCH);
            odd_free((char *)result);
        }
        /* one wrong accept, one invalid key */
        acc[(n - 1) * 28 + 5] ^= 1;
        if (n > 1) keys[0 + 2] = '#';
        int8_t *result = (int8_t *)odd_alloc(n);
        memset(result, 0x7f, n);
        long long want = n > 1 ? 2 : 1;
        CHECK_EQ(wsaccept_verify_batch(keys, acc, n, result, 1), want);
        CHECK_EQ(result[n - 1], WSACCEPT_MISMATCH);
        if (n > 1) CHECK_EQ(result[0], WSACCEPT_KEY_ALPHABET);
        for (size_t i = 1; i + 1 < n; i++) CHECK_EQ(result[i], WSACCEPT_MATCH);
        CHECK_EQ(wsaccept_verify_batch(keys, acc, n, NULL, 2), want);
        odd_free((char *)result);
        odd_free(keys);
        odd_free(acc);
    }
    char keys[24], acc[28];
    int8_t result[1] = {0x55};
    memcpy(keys, SAMPLE_KEY, 24);
    memcpy(acc, SAMPLE_ACCEPT, 28);
    CHECK_EQ(wsaccept_verify_batch(NULL, acc, 1, result, 1), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_verify_batch(keys, NULL, 1, result, 1), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_verify_batch(keys, acc, 1, result, 100000), WSACCEPT_BAD_ARGUMENT);
    CHECK_EQ(wsaccept_verify_batch(keys, acc, SIZE_MAX / 24 + 1, result, 1), WSACCEPT_BAD_ARGUMENT);
    CHECK_EQ(result[0], 0x55);
    CHECK_EQ(wsaccept_verify_batch(keys, acc, 1, result, 1), 0);
    CHECK_EQ(result[0], WSACCEPT_MATCH);
}

static void test_generate(void) {
    CHECK_EQ(wsaccept_generate(NULL, NULL, 0, 0), WSACCEPT_OK);
    CHECK_EQ(wsaccept_generate(NULL, NULL, 0, 5), WSACCEPT_OK);
    enum { N = 600 };
    static char k1[N * 24], a1[N * 28], k2[N * 24], a2[N * 28], k3[5 * 24];
    CHECK_EQ(wsaccept_generate(k1, a1, N, 42), WSACCEPT_OK);
    CHECK_EQ(wsaccept_generate(k2, a2, N, 42), WSACCEPT_OK);
    CHECK(memcmp(k1, k2, sizeof k1) == 0 && memcmp(a1, a2, sizeof a1) == 0);
    CHECK_EQ(wsaccept_generate(k3, NULL, 5, 42), WSACCEPT_OK);
    CHECK(memcmp(k1, k3, sizeof k3) == 0); /* a shorter call is a prefix */
    CHECK_EQ(wsaccept_generate(k2, a2, N, 43), WSACCEPT_OK);
    CHECK(memcmp(k1, k2, 24) != 0);
    /* every generated key is valid and its accept is the accept */
    for (size_t i = 0; i < N; i++) {
        char one[28];
        CHECK_EQ(wsaccept_accept(k1 + i * 24, 24, one), WSACCEPT_OK);
        CHECK(memcmp(one, a1 + i * 28, 28) == 0);
    }
    /* OS randomness: valid and (overwhelmingly likely) different each call */
    CHECK_EQ(wsaccept_generate(k1, a1, N, 0), WSACCEPT_OK);
    CHECK_EQ(wsaccept_generate(k2, NULL, N, 0), WSACCEPT_OK);
    CHECK(memcmp(k1, k2, sizeof k1) != 0);
    CHECK_EQ(wsaccept_verify_batch(k1, a1, N, NULL, 1), 0);
    CHECK_EQ(wsaccept_accept_batch(k2, N, a2, NULL, 1), 0);
    /* unaligned */
    char *k = odd_alloc(3 * 24), *a = odd_alloc(3 * 28);
    CHECK_EQ(wsaccept_generate(k, a, 3, 9), WSACCEPT_OK);
    CHECK_EQ(wsaccept_verify_batch(k, a, 3, NULL, 1), 0);
    odd_free(k);
    odd_free(a);
    /* errors */
    CHECK_EQ(wsaccept_generate(NULL, a1, 1, 1), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_generate(k1, a1, SIZE_MAX / 28 + 1, 1), WSACCEPT_BAD_ARGUMENT);
}

static void test_generate_masks(void) {
    CHECK_EQ(wsaccept_generate_masks(NULL, 0, 0), WSACCEPT_OK);
    CHECK_EQ(wsaccept_generate_masks(NULL, 0, 5), WSACCEPT_OK);
    enum { N = 4096 };
    static uint8_t m1[N * WSACCEPT_MASK_LEN], m2[N * WSACCEPT_MASK_LEN];
    static char keys[N * 24];
    CHECK_EQ(wsaccept_generate_masks(m1, N, 42), WSACCEPT_OK);
    CHECK_EQ(wsaccept_generate_masks(m2, N, 42), WSACCEPT_OK);
    CHECK(memcmp(m1, m2, sizeof m1) == 0); /* a seed reproduces its masks */
    CHECK_EQ(wsaccept_generate_masks(m2, N, 43), WSACCEPT_OK);
    CHECK(memcmp(m1, m2, sizeof m1) != 0);
    /* the masks of a seed are not the random bytes behind its keys: no 4-byte mask of seed 42
     * is any 4-byte window of its first 16 keys' text (a shared stream would repeat bytes) */
    CHECK_EQ(wsaccept_generate(keys, NULL, N, 42), WSACCEPT_OK);
    CHECK(memcmp(m1, keys, 4) != 0);
    /* OS randomness: different on each call, and no zero key among 4096 */
    CHECK_EQ(wsaccept_generate_masks(m1, N, 0), WSACCEPT_OK);
    CHECK_EQ(wsaccept_generate_masks(m2, N, 0), WSACCEPT_OK);
    CHECK(memcmp(m1, m2, sizeof m1) != 0);
    size_t zero = 0;
    for (size_t i = 0; i < N; i++)
        zero += memcmp(m1 + i * 4, "\0\0\0\0", 4) == 0;
    CHECK_EQ(zero, 0);
    /* unaligned */
    char *odd = odd_alloc(3 * WSACCEPT_MASK_LEN);
    CHECK_EQ(wsaccept_generate_masks((uint8_t *)odd, 3, 7), WSACCEPT_OK);
    CHECK_EQ(wsaccept_generate_masks(m1, 3, 7), WSACCEPT_OK);
    CHECK(memcmp(odd, m1, 3 * WSACCEPT_MASK_LEN) == 0);
    odd_free(odd);
    /* errors: nothing written */
    CHECK_EQ(wsaccept_generate_masks(NULL, 1, 1), WSACCEPT_NULL_POINTER);
    memset(m1, 0xAB, 8);
    CHECK_EQ(wsaccept_generate_masks(m1, SIZE_MAX / 4 + 1, 1), WSACCEPT_BAD_ARGUMENT);
    CHECK(m1[0] == 0xAB && m1[7] == 0xAB);
}

static void test_scattered(void) {
    CHECK_EQ(wsaccept_accept_scattered(NULL, NULL, 0, NULL, NULL, WSACCEPT_MODE_STRICT, 1), 0);
    CHECK_EQ(wsaccept_accept_scattered(NULL, NULL, 0, NULL, NULL, WSACCEPT_MODE_LENIENT, 0), 0);

    /* six "connections": the accept goes at offset 7 of each response buffer */
    const char *keys[6] = {
        SAMPLE_KEY,                   /* valid */
        "  dGhlIHNhbXBsZSBub25jZQ==\t", /* valid with OWS */
        "abc",                        /* short: strict length error, lenient ok */
        "dGhlIHNhbXBsZSBub25jZR==",   /* non-canonical: lenient ok */
        NULL,                         /* NULL with length 0: empty key */
        "dGhlIHNhbXBsZSBub25jZQ=A",   /* padding: lenient ok */
    };
    size_t lens[6];
    for (int i = 0; i < 6; i++) lens[i] = keys[i] ? strlen(keys[i]) : 0;
    char *bufs[6], *outs[6];
    for (int i = 0; i < 6; i++) {
        bufs[i] = odd_alloc(64);
        memset(bufs[i], 'X', 64);
        outs[i] = bufs[i] + 7;
    }
    int8_t status[6];
    memset(status, 0x55, sizeof status);
    const int strict_want[6] = {0, 0, WSACCEPT_KEY_LENGTH, WSACCEPT_KEY_NONCANONICAL,
                                WSACCEPT_KEY_LENGTH, WSACCEPT_KEY_PADDING};
    const size_t threads[] = {1, 0, 2};
    for (size_t ti = 0; ti < 3; ti++) {
        CHECK_EQ(wsaccept_accept_scattered(keys, lens, 6, outs, status, WSACCEPT_MODE_STRICT,
                                           threads[ti]),
                 4);
        for (int i = 0; i < 6; i++) {
            CHECK_EQ(status[i], strict_want[i]);
            CHECK(all_bytes(bufs[i], 7, 'X') && all_bytes(bufs[i] + 35, 29, 'X'));
            if (strict_want[i] == 0)
                CHECK(memcmp(outs[i], SAMPLE_ACCEPT, 28) == 0);
            else
                CHECK(all_bytes(outs[i], 28, 0));
        }
    }
    memset(status, 0x55, sizeof status);
    CHECK_EQ(wsaccept_accept_scattered(keys, lens, 6, outs, status, WSACCEPT_MODE_LENIENT, 1), 1);
    for (int i = 0; i < 6; i++) {
        char one[28];
        int rc = wsaccept_accept_lenient(keys[i], lens[i], one);
        CHECK_EQ(status[i], rc);
        if (rc == 0) CHECK(memcmp(outs[i], one, 28) == 0);
    }
    CHECK_EQ(status[4], WSACCEPT_KEY_LENGTH);
    CHECK_EQ(wsaccept_accept_scattered(keys, lens, 6, outs, NULL, WSACCEPT_MODE_STRICT, 1), 4);

    /* argument errors: nothing written */
    for (int i = 0; i < 6; i++) memset(outs[i], 'Y', 28);
    memset(status, 0x55, sizeof status);
    CHECK_EQ(wsaccept_accept_scattered(keys, lens, 6, outs, status, 2, 1), WSACCEPT_BAD_ARGUMENT);
    CHECK_EQ(wsaccept_accept_scattered(keys, lens, 6, outs, status, -1, 1), WSACCEPT_BAD_ARGUMENT);
    CHECK_EQ(wsaccept_accept_scattered(keys, lens, 6, outs, status, 0, WSACCEPT_MAX_THREADS + 1),
             WSACCEPT_BAD_ARGUMENT);
    CHECK_EQ(wsaccept_accept_scattered(NULL, lens, 6, outs, status, 0, 1), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_accept_scattered(keys, NULL, 6, outs, status, 0, 1), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_accept_scattered(keys, lens, 6, NULL, status, 0, 1), WSACCEPT_NULL_POINTER);
    char *saved = outs[3];
    outs[3] = NULL;
    CHECK_EQ(wsaccept_accept_scattered(keys, lens, 6, outs, status, 0, 1), WSACCEPT_NULL_POINTER);
    outs[3] = saved;
    size_t saved_len = lens[4];
    lens[4] = 24; /* NULL key with a length */
    CHECK_EQ(wsaccept_accept_scattered(keys, lens, 6, outs, status, 0, 1), WSACCEPT_NULL_POINTER);
    lens[4] = saved_len;
    for (int i = 0; i < 6; i++) CHECK(all_bytes(outs[i], 28, 'Y'));
    CHECK(all_bytes(status, 6, 0x55));

    /* a large scattered batch (parallel path) against the contiguous one */
    enum { N = 9000 };
    char *flat = make_keys(N, 5);
    char *want = odd_alloc(N * 28), *got = odd_alloc(N * 28);
    const char **kp = (const char **)malloc(N * sizeof *kp);
    size_t *kl = (size_t *)malloc(N * sizeof *kl);
    char **op = (char **)malloc(N * sizeof *op);
    for (size_t i = 0; i < N; i++) {
        kp[i] = flat + i * 24;
        kl[i] = 24;
        op[i] = got + (N - 1 - i) * 28; /* outputs in reverse order */
    }
    CHECK_EQ(wsaccept_accept_batch(flat, N, want, NULL, 1), 0);
    for (size_t ti = 0; ti < 3; ti++) {
        memset(got, 0, N * 28);
        CHECK_EQ(wsaccept_accept_scattered(kp, kl, N, op, NULL, WSACCEPT_MODE_STRICT, threads[ti]),
                 0);
        int same = 1;
        for (size_t i = 0; i < N; i++) same &= memcmp(want + i * 28, op[i], 28) == 0;
        CHECK(same);
    }
    free(kp);
    free(kl);
    free(op);
    odd_free(flat);
    odd_free(want);
    odd_free(got);
    for (int i = 0; i < 6; i++) odd_free(bufs[i]);
}

static void test_write_response(void) {
    static const char want[] =
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        "\r\n";
    static const char want_proto[] =
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        "Sec-WebSocket-Protocol: chat.v2\r\n"
        "\r\n";
    CHECK_EQ(sizeof want - 1, WSACCEPT_RESPONSE_LEN);
    CHECK_EQ(sizeof want_proto - 1, WSACCEPT_RESPONSE_LEN + WSACCEPT_PROTOCOL_HEADER_OVERHEAD + 7);
    char buf[WSACCEPT_RESPONSE_BUF_LEN + 1];

    for (int with_proto = 0; with_proto < 2; with_proto++) {
        const char *expect = with_proto ? want_proto : want;
        size_t need = strlen(expect);
        const char *proto = with_proto ? "chat.v2" : NULL;
        size_t plen = with_proto ? 7 : 0;
        /* every buffer too small by any amount: error, untouched */
        for (size_t len = 0; len < need; len++) {
            char *b = odd_alloc(len + 8);
            memset(b, 'X', len + 8);
            CHECK_EQ(wsaccept_write_response(SAMPLE_KEY, 24, proto, plen, WSACCEPT_MODE_STRICT, b,
                                             len),
                     WSACCEPT_BUFFER_TOO_SMALL);
            CHECK(all_bytes(b, len + 8, 'X'));
            odd_free(b);
        }
        /* exact size and larger */
        for (size_t len = need; len < need + 3; len++) {
            char *b = odd_alloc(len + 8);
            memset(b, 'X', len + 8);
            CHECK_EQ(wsaccept_write_response(SAMPLE_KEY, 24, proto, plen, WSACCEPT_MODE_STRICT, b,
                                             len),
                     (long long)need);
            CHECK(memcmp(b, expect, need) == 0);
            CHECK(all_bytes(b + need, len + 8 - need, 'X'));
            odd_free(b);
        }
    }
    /* an empty non-NULL protocol means none */
    CHECK_EQ(wsaccept_write_response(SAMPLE_KEY, 24, "", 0, 0, buf, sizeof buf),
             WSACCEPT_RESPONSE_LEN);
    CHECK(memcmp(buf, want, sizeof want - 1) == 0);
    /* protocol values that would split the header */
    const char *bad_protos[] = {"chat\r\nX-Evil: 1", "a\rb", "a\nb", "\n"};
    for (size_t i = 0; i < 4; i++) {
        memset(buf, 'X', sizeof buf);
        CHECK_EQ(wsaccept_write_response(SAMPLE_KEY, 24, bad_protos[i], strlen(bad_protos[i]), 0,
                                         buf, sizeof buf),
                 WSACCEPT_BAD_ARGUMENT);
        CHECK(all_bytes(buf, sizeof buf, 'X'));
    }
    CHECK_EQ(wsaccept_write_response(SAMPLE_KEY, 24, "a\0b", 3, 0, buf, sizeof buf),
             WSACCEPT_BAD_ARGUMENT);
    /* key errors, modes, NULLs */
    CHECK_EQ(wsaccept_write_response("abc", 3, NULL, 0, WSACCEPT_MODE_STRICT, buf, sizeof buf),
             WSACCEPT_KEY_LENGTH);
    CHECK_EQ(wsaccept_write_response("abc", 3, NULL, 0, WSACCEPT_MODE_LENIENT, buf, sizeof buf),
             WSACCEPT_RESPONSE_LEN);
    char one[28];
    CHECK_EQ(wsaccept_accept_lenient("abc", 3, one), 0);
    CHECK(memcmp(buf + 34 + 20 + 21 + 22, one, 28) == 0);
    CHECK_EQ(wsaccept_write_response(SAMPLE_KEY, 24, NULL, 0, 7, buf, sizeof buf),
             WSACCEPT_BAD_ARGUMENT);
    CHECK_EQ(wsaccept_write_response(NULL, 24, NULL, 0, 0, buf, sizeof buf), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_write_response(SAMPLE_KEY, 24, NULL, 4, 0, buf, sizeof buf),
             WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_write_response(SAMPLE_KEY, 24, NULL, 0, 0, NULL, 200), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_write_response(SAMPLE_KEY, 24, NULL, 0, 0, NULL, 0),
             WSACCEPT_BUFFER_TOO_SMALL);
}

/* Several threads at once, each checking its own results. */
static void *worker(void *arg) {
    size_t id = (size_t)arg, n = 2000;
    char *keys = (char *)malloc(n * 24), *acc = (char *)malloc(n * 28), *out = (char *)malloc(n * 28);
    int *ok = (int *)malloc(sizeof *ok);
    *ok = wsaccept_generate(keys, acc, n, id + 1) == 0;
    for (int round = 0; round < 5; round++) {
        *ok &= wsaccept_accept_batch(keys, n, out, NULL, round % 3) == 0;
        *ok &= memcmp(out, acc, n * 28) == 0;
        *ok &= wsaccept_verify_batch(keys, acc, n, NULL, 1) == 0;
        char one[28];
        *ok &= wsaccept_accept(keys + 24 * round, 24, one) == 0 && memcmp(one, acc + 28 * round, 28) == 0;
    }
    free(keys);
    free(acc);
    free(out);
    return ok;
}

static void test_threads(void) {
    pthread_t t[4];
    for (size_t i = 0; i < 4; i++) CHECK_EQ(pthread_create(&t[i], NULL, worker, (void *)i), 0);
    for (size_t i = 0; i < 4; i++) {
        void *ok = NULL;
        CHECK_EQ(pthread_join(t[i], &ok), 0);
        CHECK(ok != NULL && *(int *)ok == 1);
        free(ok);
    }
}

/* Parallel batches (threads 0 and 2) over n keys; 1 if every result is right. */
static int parallel_batches_ok(const char *keys, const char *want, size_t n) {
    char *out = (char *)malloc(n * 28);
    int ok = out != NULL;
    const size_t threads[] = {0, 2, 0};
    for (size_t ti = 0; ok && ti < 3; ti++) {
        memset(out, 0, n * 28);
        ok = wsaccept_accept_batch(keys, n, out, NULL, threads[ti]) == 0 &&
             memcmp(out, want, n * 28) == 0;
    }
    ok = ok && wsaccept_verify_batch(keys, want, n, NULL, 0) == 0;
    free(out);
    return ok;
}

/* A pre-fork server: parallel batches in the parent start the library's thread pool, then a
 * forked child (which has none of those threads) runs parallel batches again. They used to
 * wait forever; they must finish with the right results. The child runs under alarm(), so a
 * hang ends as SIGALRM, and the parent gives up after twice that.
 *
 * The child's verdict comes through a pipe, not its exit status: under valgrind (which
 * tests/c_abi.rs runs with TEST_ABI_VALGRIND=1) the child's exit status is valgrind's error
 * code, because the memory the parent's pool threads held is "definitely lost" in a child
 * that has no such threads. Anywhere else the exit status must be 0 as well, so a sanitizer
 * report in the child fails the test. */
static void test_fork(void) {
    const size_t n = 12000; /* several times the library's parallel cut-off */
    const unsigned alarm_s = 30; /* the child's work takes well under a second, even under valgrind */
    char *keys = (char *)malloc(n * 24), *want = (char *)malloc(n * 28);
    if (!keys || !want) abort();
    CHECK_EQ(wsaccept_generate(keys, want, n, 77), WSACCEPT_OK);
    CHECK(parallel_batches_ok(keys, want, n));
    int verdict_pipe[2];
    CHECK_EQ(pipe(verdict_pipe), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        alarm(alarm_s);
        char verdict = parallel_batches_ok(keys, want, n) ? 'y' : 'n';
        _exit(write(verdict_pipe[1], &verdict, 1) == 1 && verdict == 'y' ? 0 : 1);
    }
    close(verdict_pipe[1]);
    if (pid > 0) {
        int status = 0;
        pid_t done = 0;
        const struct timespec tick = {0, 10 * 1000 * 1000};
        for (unsigned waited_ms = 0; waited_ms < 2000 * alarm_s; waited_ms += 10) {
            done = waitpid(pid, &status, WNOHANG);
            if (done != 0) break;
            nanosleep(&tick, NULL);
        }
        if (done == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fprintf(stderr, "test_fork: child still running after %u s\n", 2 * alarm_s);
        } else if (done == pid && WIFSIGNALED(status)) {
            fprintf(stderr, "test_fork: child killed by signal %d (%d = SIGALRM: it hung)\n",
                    WTERMSIG(status), SIGALRM);
        }
        CHECK(done == pid);
        CHECK(WIFEXITED(status));
        if (!getenv("TEST_ABI_VALGRIND")) CHECK_EQ(WEXITSTATUS(status), 0);
        char verdict = 0;
        CHECK_EQ(read(verdict_pipe[0], &verdict, 1), 1);
        CHECK_EQ(verdict, 'y');
    }
    close(verdict_pipe[0]);
    CHECK(parallel_batches_ok(keys, want, n)); /* the parent's pool is untouched */
    free(keys);
    free(want);
}

int main(void) {
    test_strings();
    test_accept();
    test_accept_lenient();
    test_verify();
    test_accept_batch();
    test_verify_batch();
    test_generate();
    test_generate_masks();
    test_scattered();
    test_write_response();
    test_threads();
    test_fork();
    printf("test_abi.c (backend %s, version %s): %d checks, %d failed\n", wsaccept_backend(),
           wsaccept_version(), checks, failures);
    return failures == 0 ? 0 : 1;
}
