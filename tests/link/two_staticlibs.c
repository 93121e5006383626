/* A C program linking libwsaccept.a and another Rust static library (tests/link/other.rs),
 * calling into both: the one-key call, a parallel batch (the library's thread pool), and the
 * other library's thread and caught panic. Exit status 0 when every answer is right. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wsaccept.h"

uint64_t other_digits(uint64_t n);

#define N 5000

static char keys[N * WSACCEPT_KEY_LEN];
static char accepts[N * WSACCEPT_ACCEPT_LEN];

int main(void) {
    const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
    const char *want = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    char out[WSACCEPT_ACCEPT_LEN];
    int failures = 0;

    if (wsaccept_accept(key, strlen(key), out) != WSACCEPT_OK || memcmp(out, want, 28) != 0) {
        fprintf(stderr, "wsaccept_accept: wrong answer\n");
        failures++;
    }
    for (size_t i = 0; i < N; i++)
        memcpy(keys + i * WSACCEPT_KEY_LEN, key, WSACCEPT_KEY_LEN);
    if (wsaccept_accept_batch(keys, N, accepts, NULL, 0) != 0 ||
        memcmp(accepts + (N - 1) * WSACCEPT_ACCEPT_LEN, want, 28) != 0) {
        fprintf(stderr, "wsaccept_accept_batch: wrong answer\n");
        failures++;
    }
    /* 0..9 one digit each, 10..99 two, 100..999 three: 10 + 180 + 2700. */
    if (other_digits(1000) != 2890 || other_digits(0) != 0) {
        fprintf(stderr, "other_digits: wrong answer\n");
        failures++;
    }
    printf("wsaccept %s next to another Rust static library: %s\n", wsaccept_version(),
           failures ? "FAILED" : "ok");
    return failures != 0;
}
