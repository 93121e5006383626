/* Drives the server handshake exports of include/wsaccept.h: configuration (defaults, lists,
 * deflate, bad arguments), one call per read with the head split at every byte, refusals and
 * their responses, NULL and size rules (nothing written on failure), an uninitialised
 * connection, and the batch form against one call per head. Built and run by
 * tests/handshake_c_abi.rs under ASan + UBSan (static and shared). Exit 0 only if every
 * check passed. */
#include "wsaccept.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char REQUEST[] =
    "GET /chat HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: keep-alive, Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://example.com\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

static const char RESPONSE[] =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "Sec-WebSocket-Protocol: superchat\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12\r\n"
    "\r\n";

static const char *PROTOCOLS[] = {"superchat", "chat"};
static const char *ORIGINS[] = {"http://example.com"};

static int same_span(wsaccept_span a, wsaccept_span b) { return a.start == b.start && a.end == b.end; }

/* Field by field: the structs' padding bytes are not part of the answer. */
static int same_result(const wsaccept_handshake_result *a, const wsaccept_handshake_result *b) {
    return a->outcome == b->outcome && a->http_status == b->http_status && a->reason == b->reason &&
           a->response_len == b->response_len && a->head_len == b->head_len &&
           a->headers == b->headers && same_span(a->target, b->target) &&
           same_span(a->host, b->host) && same_span(a->origin, b->origin) &&
           a->has_origin == b->has_origin && same_span(a->key, b->key) &&
           a->subprotocol == b->subprotocol && a->deflate == b->deflate &&
           a->deflate_server_no_context_takeover == b->deflate_server_no_context_takeover &&
           a->deflate_client_no_context_takeover == b->deflate_client_no_context_takeover &&
           a->deflate_server_max_window_bits == b->deflate_server_max_window_bits &&
           a->deflate_client_max_window_bits == b->deflate_client_max_window_bits;
}

static wsaccept_server *make_server(void) {
    wsaccept_server_options o;
    memset(&o, 0, sizeof o);
    o.subprotocols = PROTOCOLS;
    o.n_subprotocols = 2;
    o.origins = ORIGINS;
    o.n_origins = 1;
    o.deflate = 1;
    o.deflate_client_max_window_bits = 12;
    wsaccept_server *s = NULL;
    CHECK_EQ(wsaccept_server_new(&o, &s), WSACCEPT_OK);
    CHECK(s != NULL);
    return s;
}

static void configuration(void) {
    wsaccept_server *s = NULL;
    CHECK_EQ(wsaccept_server_new(NULL, &s), WSACCEPT_OK);
    CHECK(wsaccept_server_response_buf_len(s) >= 129);
    wsaccept_server_free(s);
    wsaccept_server_free(NULL);
    CHECK_EQ(wsaccept_server_new(NULL, NULL), WSACCEPT_NULL_POINTER);

    wsaccept_server_options o;
    memset(&o, 0, sizeof o);
    const char *bad[] = {"a b"};
    o.subprotocols = bad;
    o.n_subprotocols = 1;
    s = (wsaccept_server *)1;
    CHECK_EQ(wsaccept_server_new(&o, &s), WSACCEPT_BAD_ARGUMENT);
    CHECK(s == (wsaccept_server *)1); /* not written on failure */
    o.subprotocols = NULL;
    CHECK_EQ(wsaccept_server_new(&o, &s), WSACCEPT_NULL_POINTER);
    memset(&o, 0, sizeof o);
    o.deflate = 1;
    o.deflate_server_max_window_bits = 16;
    CHECK_EQ(wsaccept_server_new(&o, &s), WSACCEPT_BAD_ARGUMENT);
    CHECK_EQ(wsaccept_server_response_buf_len(NULL), WSACCEPT_NULL_POINTER);
}

static void one_connection(void) {
    wsaccept_server *s = make_server();
    wsaccept_server_conn conn;
    wsaccept_header_slot slots[WSACCEPT_DEFAULT_MAX_HEADERS];
    char out[1024];
    wsaccept_handshake_result r;
    size_t len = strlen(REQUEST);

    /* Every split point: NEED_MORE before the end, the same 101 at the end. */
    for (size_t split = 0; split <= len; split++) {
        CHECK_EQ(wsaccept_server_conn_init(s, &conn), WSACCEPT_OK);
        CHECK_EQ(wsaccept_server_handshake(s, &conn, REQUEST, split, slots,
                                           WSACCEPT_DEFAULT_MAX_HEADERS, out, sizeof out, &r),
                 WSACCEPT_OK);
        if (split < len) CHECK_EQ(r.outcome, WSACCEPT_HANDSHAKE_NEED_MORE);
        CHECK_EQ(wsaccept_server_handshake(s, &conn, REQUEST, len, slots,
                                           WSACCEPT_DEFAULT_MAX_HEADERS, out, sizeof out, &r),
                 WSACCEPT_OK);
        CHECK_EQ(r.outcome, WSACCEPT_HANDSHAKE_ACCEPTED);
        CHECK_EQ(r.http_status, 101);
        CHECK_EQ(r.head_len, len);
        CHECK_EQ(r.response_len, strlen(RESPONSE));
        CHECK(memcmp(out, RESPONSE, strlen(RESPONSE)) == 0);
    }
    CHECK_EQ(r.subprotocol, 0);
    CHECK_EQ(r.deflate, 1);
    CHECK_EQ(r.deflate_client_max_window_bits, 12);
    CHECK(r.has_origin);
    CHECK(r.target.end - r.target.start == 5 && memcmp(REQUEST + r.target.start, "/chat", 5) == 0);
    CHECK(memcmp(REQUEST + r.key.start, "dGhlIHNhbXBsZSBub25jZQ==", 24) == 0);

    /* A refusal: 426 with its headers, a reason and its text. */
    static const char OLD[] = "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 8\r\n\r\n";
    CHECK_EQ(wsaccept_server_conn_init(s, &conn), WSACCEPT_OK);
    CHECK_EQ(wsaccept_server_handshake(s, &conn, OLD, strlen(OLD), slots, 64, out, sizeof out, &r),
             WSACCEPT_OK);
    CHECK_EQ(r.outcome, WSACCEPT_HANDSHAKE_REFUSED);
    CHECK_EQ(r.http_status, 426);
    static const char HEAD_426[] = "HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\n"
                                   "Sec-WebSocket-Version: 13\r\nConnection: upgrade, close\r\n";
    CHECK(strncmp(out, HEAD_426, strlen(HEAD_426)) == 0);
    CHECK(strcmp(wsaccept_reason_text(r.reason), "Sec-WebSocket-Version is not 13") == 0);
    CHECK(wsaccept_reason_text(0) != NULL && wsaccept_reason_text(-5) != NULL);

    /* A bare LF is refused at once. */
    CHECK_EQ(wsaccept_server_conn_init(s, &conn), WSACCEPT_OK);
    CHECK_EQ(wsaccept_server_handshake(s, &conn, "GET / HTTP/1.1\n", 15, slots, 64, out,
                                       sizeof out, &r),
             WSACCEPT_OK);
    CHECK_EQ(r.outcome, WSACCEPT_HANDSHAKE_REFUSED);
    CHECK_EQ(r.http_status, 400);

    /* NULL and size rules: nothing written on failure. */
    memset(&r, 0x5a, sizeof r);
    wsaccept_handshake_result before = r;
    CHECK_EQ(wsaccept_server_conn_init(s, &conn), WSACCEPT_OK);
    CHECK_EQ(wsaccept_server_handshake(NULL, &conn, REQUEST, len, slots, 64, out, sizeof out, &r),
             WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_server_handshake(s, NULL, REQUEST, len, slots, 64, out, sizeof out, &r),
             WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_server_handshake(s, &conn, NULL, len, slots, 64, out, sizeof out, &r),
             WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_server_handshake(s, &conn, REQUEST, len, NULL, 64, out, sizeof out, &r),
             WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_server_handshake(s, &conn, REQUEST, len, slots, 64, NULL, sizeof out, &r),
             WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_server_handshake(s, &conn, REQUEST, len, slots, 64, out, sizeof out, NULL),
             WSACCEPT_NULL_POINTER);
    char small[100];
    memset(small, 0x77, sizeof small);
    CHECK_EQ(wsaccept_server_handshake(s, &conn, REQUEST, len, slots, 64, small, sizeof small, &r),
             WSACCEPT_BUFFER_TOO_SMALL);
    CHECK(memcmp(&r, &before, sizeof r) == 0);
    for (size_t i = 0; i < sizeof small; i++) CHECK_EQ((unsigned char)small[i], 0x77);

    /* A connection that was never initialised is refused, not used. */
    wsaccept_server_conn garbage;
    memset(&garbage, 0xab, sizeof garbage);
    CHECK_EQ(wsaccept_server_handshake(s, &garbage, REQUEST, len, slots, 64, out, sizeof out, &r),
             WSACCEPT_BAD_ARGUMENT);
    wsaccept_server_free(s);
}

static void batch(void) {
    wsaccept_server *s = make_server();
    enum { N = 100 };
    static char outs[N][512];
    static char one[512];
    static wsaccept_handshake_job jobs[N];
    static const char REFUSED[] = "POST / HTTP/1.1\r\n\r\n";
    static const char PARTIAL[] = "GET / HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < N; i++) {
        const char *req = i % 3 == 0 ? REFUSED : i % 3 == 1 ? REQUEST : PARTIAL;
        jobs[i].request = req;
        jobs[i].request_len = strlen(req);
        jobs[i].response = outs[i];
        jobs[i].response_cap = i == 7 ? 10 : sizeof outs[i];
    }
    jobs[4].request = NULL; /* a NULL request with a length: that job's error alone */
    wsaccept_header_slot slots[64];
    CHECK_EQ(wsaccept_server_handshake_batch(s, jobs, N, slots, 64), WSACCEPT_OK);
    wsaccept_server_conn conn;
    for (int i = 0; i < N; i++) {
        if (i == 4) {
            CHECK_EQ(jobs[i].status, WSACCEPT_NULL_POINTER);
            continue;
        }
        if (i == 7) {
            CHECK_EQ(jobs[i].status, WSACCEPT_BUFFER_TOO_SMALL);
            continue;
        }
        CHECK_EQ(jobs[i].status, WSACCEPT_OK);
        wsaccept_handshake_result r;
        wsaccept_server_conn_init(s, &conn);
        CHECK_EQ(wsaccept_server_handshake(s, &conn, jobs[i].request, jobs[i].request_len, slots,
                                           64, one, sizeof one, &r),
                 WSACCEPT_OK);
        CHECK(same_result(&r, &jobs[i].result));
        CHECK(memcmp(one, outs[i], r.response_len) == 0);
    }
    CHECK_EQ(wsaccept_server_handshake_batch(s, NULL, 0, NULL, 0), WSACCEPT_OK);
    CHECK_EQ(wsaccept_server_handshake_batch(s, NULL, 1, slots, 64), WSACCEPT_NULL_POINTER);
    CHECK_EQ(wsaccept_server_handshake_batch(NULL, jobs, 1, slots, 64), WSACCEPT_NULL_POINTER);
    wsaccept_server_free(s);
}

int main(void) {
    configuration();
    one_connection();
    batch();
    if (failures) {
        fprintf(stderr, "test_server: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("test_server: all %d checks passed\n", checks);
    return 0;
}
