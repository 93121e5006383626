/* A consumer of the installed wsaccept C library: the RFC 6455 sample key's accept. */
#include <stdio.h>
#include <string.h>

#include <wsaccept.h>

int main(void) {
    static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
    static const char want[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    char accept[WSACCEPT_ACCEPT_LEN];
    int rc = wsaccept_accept(key, strlen(key), accept);
    if (rc != WSACCEPT_OK || memcmp(accept, want, WSACCEPT_ACCEPT_LEN) != 0) {
        fprintf(stderr, "wrong accept (rc %d: %s)\n", rc, wsaccept_strerror(rc));
        return 1;
    }
    printf("ok C wsaccept %s backend %s\n", wsaccept_version(), wsaccept_backend());
    return 0;
}
