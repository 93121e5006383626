/*
 * loadgen.c - WebSocket handshake load generator built on libwsaccept.
 *
 * Usage: loadgen HOST PORT N [--seed S] [--concurrency C] [--timeout-ms T]
 *
 * Opens N WebSocket connections to HOST:PORT, at most C at a time, and checks every
 * handshake as RFC 6455 4.1 tells a client to: the status line is exactly
 * "HTTP/1.1 101" (then SP or CRLF), the response has "Upgrade: websocket" and a
 * Connection header with the "Upgrade" token (both case-insensitive), and exactly one
 * Sec-WebSocket-Accept, which must be the right one. A handshake failing any of these
 * counts as failed, by reason. The library does the bulk work in two
 * calls: wsaccept_generate() makes all N keys (and their expected accepts) up front,
 * and wsaccept_verify_batch() checks all N received accepts at the end, so the
 * network loop itself does no hashing. Prints handshakes/s and mismatches; exits 0
 * only if all N handshakes completed and every accept verified.
 *
 * Every frame it sends (the close frame that ends each connection) is masked with its own
 * key (RFC 6455 5.3), made in bulk by wsaccept_generate_masks() with the keys. HOST may be
 * a name, an IPv4 address or an IPv6 literal (bare or in brackets); PORT a number or a
 * service name. The Host header is written as RFC 9112 3.2 says: the IPv6 literal in
 * brackets, the port as the number it resolved to, left out when it is 80.
 *
 * --seed S makes the keys and masks reproducible (seed 0, the default, uses OS randomness).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wsaccept.h"

#include "http.h"

#define MAX_RESPONSE 8192 /* a 101 is ~130 bytes; anything near this is broken */
#define DEFAULT_CONCURRENCY 512

enum phase {
    PH_CONNECT, /* non-blocking connect in progress */
    PH_SEND,    /* request partly sent */
    PH_RECV,    /* reading the response head */
    PH_CLOSING, /* close frame sent, waiting for the server to close TCP */
};

/* Why a connection failed, counted separately so a run explains itself. The handshake
 * checks are those RFC 6455 4.1 says a client must fail the connection on. */
enum fail {
    F_CONNECT,
    F_IO,
    F_TIMEOUT,
    F_STATUS,     /* status line not exactly "HTTP/1.1 101" then SP or CRLF */
    F_UPGRADE,    /* no single "Upgrade: websocket" (case-insensitive) */
    F_CONNECTION, /* no "Connection" header with the "Upgrade" token */
    F_ACCEPT,     /* Sec-WebSocket-Accept missing, repeated or not 28 bytes */
    F_HEADER,     /* response head over MAX_RESPONSE bytes */
    F_COUNT
};
static const char *fail_names[F_COUNT] = {"connect", "io",     "timeout", "status",
                                          "upgrade", "connection", "accept", "header"};

struct slot {
    int fd;           /* -1 when free */
    size_t index;     /* which of the N handshakes */
    enum phase phase;
    char req[1024]; /* the fixed lines and a Host value of up to 3 * 255 + 8 bytes */
    size_t req_len, req_off;
    char resp[MAX_RESPONSE];
    size_t resp_len;
    int64_t deadline;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Globals keep the event loop readable; this is a single-threaded tool. */
static int epfd;
static struct addrinfo *target;
static const char *host_hdr;
static const char *keys;   /* N * 24 */
static const uint8_t *masks; /* N * 4: the masking key of connection i's close frame */
static char *received;     /* N * 28, filled from the responses */
static uint8_t *completed; /* N flags: a 101 with a well-formed accept arrived */
static size_t n_done, n_ok, n_fail[F_COUNT];
static int timeout_ms = 10000;

static void slot_release(struct slot *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static void slot_fail(struct slot *s, enum fail why)
{
    n_fail[why]++;
    n_done++;
    slot_release(s);
}

static void slot_watch(struct slot *s, uint32_t events, int op)
{
    struct epoll_event ev = {.events = events, .data.ptr = s};
    epoll_ctl(epfd, op, s->fd, &ev);
}

/* Start handshake number `index` in a free slot. Returns 0, or -1 if it failed. */
static int slot_start(struct slot *s, size_t index)
{
    s->index = index;
    s->resp_len = 0;
    s->req_off = 0;
    s->deadline = now_ms() + timeout_ms;
    s->fd = socket(target->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        slot_fail(s, F_CONNECT);
        return -1;
    }
    int one = 1; /* the request is one small write: send it now */
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int n = snprintf(s->req, sizeof s->req,
                     "GET /loadgen HTTP/1.1\r\n"
                     "Host: %s\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %.*s\r\n"
                     "Sec-WebSocket-Version: 13\r\n"
                     "\r\n",
                     host_hdr, WSACCEPT_KEY_LEN, keys + index * WSACCEPT_KEY_LEN);
    s->req_len = (size_t)n;
    if (connect(s->fd, target->ai_addr, target->ai_addrlen) < 0 && errno != EINPROGRESS) {
        slot_fail(s, F_CONNECT);
        return -1;
    }
    s->phase = PH_CONNECT;
    slot_watch(s, EPOLLOUT, EPOLL_CTL_ADD);
    return 0;
}

/* What the header lines of a response head say about the handshake. */
struct head_check {
    int upgrade_count, upgrade_ok; /* Upgrade headers; was the one "websocket"? */
    int connection_ok;             /* some Connection header holds the "upgrade" token */
    int accept_count;
    const char *accept;
    size_t accept_len;
};

/* Walks the header lines of head[0..len) (status line first, blank line last). */
static void check_headers(const char *head, size_t len, struct head_check *h)
{
    memset(h, 0, sizeof *h);
    const char *end = head + len;
    const char *p = memmem(head, len, "\r\n", 2); /* skip the status line */
    while (p && p + 2 < end) {
        p += 2;
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol || eol == p)
            break;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon) {
            size_t name_len = (size_t)(colon - p);
            const char *v = colon + 1, *ve = eol;
            while (v < ve && is_ows(*v))
                v++;
            while (ve > v && is_ows(ve[-1]))
                ve--;
            size_t vlen = (size_t)(ve - v);
#define NAME_IS(lit) (name_len == sizeof(lit) - 1 && strncasecmp(p, lit, name_len) == 0)
            if (NAME_IS("Upgrade")) {
                /* RFC 6455 4.1: the value must be "websocket", not a list holding it. */
                h->upgrade_count++;
                h->upgrade_ok = vlen == 9 && strncasecmp(v, "websocket", 9) == 0;
            } else if (NAME_IS("Connection")) {
                h->connection_ok |= list_has_token(v, vlen, "upgrade");
            } else if (NAME_IS("Sec-WebSocket-Accept")) {
                h->accept_count++;
                h->accept = v;
                h->accept_len = vlen;
            }
#undef NAME_IS
        }
        p = eol;
    }
}

/* Counts a failed handshake; the first failure of each kind is shown with its reason. */
static void handshake_fail(struct slot *s, enum fail why, const char *reason)
{
    if (n_fail[why] == 0) {
        const char *eol = memmem(s->resp, s->resp_len, "\r\n", 2);
        fprintf(stderr, "loadgen: handshake %zu failed (%s): %s; status line: %.*s\n", s->index,
                fail_names[why], reason, (int)(eol ? eol - s->resp : 0), s->resp);
    }
    slot_fail(s, why);
}

/* The response head is complete: check it (RFC 6455 4.1), record the accept and start a
 * polite close. Whether the accept is the right one is checked for all N at the end. */
static void on_response(struct slot *s, size_t head_len)
{
    /* Exactly "HTTP/1.1 101", then the SP before the reason phrase or the line's end:
     * "HTTP/1.1 1010 Weird" is not a 101. */
    if (head_len < 14 || memcmp(s->resp, "HTTP/1.1 101", 12) != 0 ||
        (s->resp[12] != ' ' && memcmp(s->resp + 12, "\r\n", 2) != 0)) {
        handshake_fail(s, F_STATUS, "not an HTTP/1.1 101 status line");
        return;
    }
    struct head_check h;
    check_headers(s->resp, head_len, &h);
    if (h.upgrade_count != 1 || !h.upgrade_ok) {
        handshake_fail(s, F_UPGRADE,
                       h.upgrade_count == 0 ? "no Upgrade header"
                       : h.upgrade_count > 1 ? "more than one Upgrade header"
                                             : "Upgrade is not \"websocket\"");
        return;
    }
    if (!h.connection_ok) {
        handshake_fail(s, F_CONNECTION, "no Connection header with the \"Upgrade\" token");
        return;
    }
    if (h.accept_count != 1 || h.accept_len != WSACCEPT_ACCEPT_LEN) {
        handshake_fail(s, F_ACCEPT,
                       h.accept_count == 0  ? "no Sec-WebSocket-Accept header"
                       : h.accept_count > 1 ? "more than one Sec-WebSocket-Accept header"
                                            : "Sec-WebSocket-Accept is not 28 bytes");
        return;
    }
    memcpy(received + s->index * WSACCEPT_ACCEPT_LEN, h.accept, WSACCEPT_ACCEPT_LEN);
    completed[s->index] = 1;
    n_ok++;
    n_done++;

    /* Close like a real client: a close frame (1000) masked with this connection's own key,
     * then wait for the server to close the TCP connection first (RFC 6455 7.1.1), which
     * keeps TIME_WAIT on the server side instead of eating our ephemeral ports. */
    const uint8_t *m = masks + s->index * WSACCEPT_MASK_LEN;
    const uint8_t close_frame[] = {0x88, 0x82, m[0], m[1], m[2], m[3], 0x03 ^ m[0], 0xe8 ^ m[1]};
    if (send(s->fd, close_frame, sizeof close_frame, MSG_NOSIGNAL) != (ssize_t)sizeof close_frame) {
        slot_release(s);
        return;
    }
    s->phase = PH_CLOSING;
    s->deadline = now_ms() + 2000;
}

static void on_event(struct slot *s, uint32_t ev)
{
    if (s->fd < 0)
        return;
    if (s->phase == PH_CONNECT) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err || (ev & EPOLLERR)) {
            slot_fail(s, F_CONNECT);
            return;
        }
        s->phase = PH_SEND;
    }
    if (s->phase == PH_SEND) {
        while (s->req_off < s->req_len) {
            ssize_t n = send(s->fd, s->req + s->req_off, s->req_len - s->req_off, MSG_NOSIGNAL);
            if (n > 0) {
                s->req_off += (size_t)n;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                return; /* still watching EPOLLOUT */
            } else {
                slot_fail(s, F_IO);
                return;
            }
        }
        s->phase = PH_RECV;
        slot_watch(s, EPOLLIN, EPOLL_CTL_MOD);
        return;
    }
    if (s->phase == PH_CLOSING) {
        /* Drain the server's close frame until EOF; the handshake already counted. */
        char sink[512];
        ssize_t n = recv(s->fd, sink, sizeof sink, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            slot_release(s);
        return;
    }
    /* PH_RECV */
    ssize_t n = recv(s->fd, s->resp + s->resp_len, sizeof s->resp - s->resp_len, 0);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR)
            slot_fail(s, F_IO);
        return;
    }
    if (n == 0) {
        slot_fail(s, F_IO);
        return;
    }
    size_t from = s->resp_len >= 3 ? s->resp_len - 3 : 0;
    s->resp_len += (size_t)n;
    char *t = memmem(s->resp + from, s->resp_len - from, "\r\n\r\n", 4);
    if (t)
        on_response(s, (size_t)(t - s->resp) + 4);
    else if (s->resp_len == sizeof s->resp)
        handshake_fail(s, F_HEADER, "response head over 8 KiB");
}

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s HOST PORT N [--seed S] [--concurrency C] [--timeout-ms T]\n"
            "  --seed S          reproducible keys and masks (0 = OS randomness, the default)\n"
            "  --concurrency C   connections open at once (default %d, capped by fd limit)\n"
            "  --timeout-ms T    per-connection handshake timeout (default 10000)\n",
            argv0, DEFAULT_CONCURRENCY);
    exit(2);
}

/* Whether c may stand in a host name or a zone ID as written here: RFC 3986's unreserved
 * characters. Anything else (a space, CR, LF, ':', '@', '/') could break or inject into the
 * request's Host line, so it is refused before any connection opens. */
static int is_host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

/* Splits HOST as given on the command line into what getaddrinfo takes (`lookup`, brackets
 * removed) and whether it is an IPv6 literal. Returns 0, or -1 if it is no host. */
static int parse_host(const char *host, char *lookup, size_t lookup_len, int *is_ipv6)
{
    size_t len = strlen(host);
    int bracketed = len >= 2 && host[0] == '[' && host[len - 1] == ']';
    if (bracketed) {
        host++;
        len -= 2;
    }
    if (len == 0 || len >= lookup_len)
        return -1;
    memcpy(lookup, host, len);
    lookup[len] = '\0';
    /* An IPv6 literal, with an optional zone ID after '%' (RFC 6874). */
    char addr[INET6_ADDRSTRLEN + 1];
    const char *zone = strchr(lookup, '%');
    size_t addr_len = zone ? (size_t)(zone - lookup) : len;
    struct in6_addr in6;
    if (addr_len < sizeof addr) {
        memcpy(addr, lookup, addr_len);
        addr[addr_len] = '\0';
        if (inet_pton(AF_INET6, addr, &in6) == 1) {
            if (zone) {
                if (zone[1] == '\0')
                    return -1;
                for (const char *z = zone + 1; *z; z++)
                    if (!is_host_char(*z))
                        return -1;
            }
            *is_ipv6 = 1;
            return 0;
        }
    }
    if (bracketed)
        return -1; /* brackets hold only an IPv6 literal */
    for (const char *c = lookup; *c; c++)
        if (!is_host_char(*c))
            return -1;
    *is_ipv6 = 0;
    return 0;
}

/* The Host header's value (RFC 9112 3.2, RFC 3986 3.2.2) for `lookup` as parse_host gave it and
 * the address it resolved to: an IPv6 literal in brackets (a zone ID's '%' written "%25"),
 * then ":port" with the resolved port number, left out for the default port 80. */
static void host_header(const char *lookup, int is_ipv6, const struct sockaddr *sa, char *out,
                        size_t out_len)
{
    unsigned port = sa->sa_family == AF_INET6
                        ? ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port)
                        : ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
    size_t o = 0;
    if (is_ipv6)
        out[o++] = '[';
    for (const char *c = lookup; *c && o + 4 < out_len; c++) {
        if (*c == '%') {
            memcpy(out + o, "%25", 3);
            o += 3;
        } else {
            out[o++] = *c;
        }
    }
    if (is_ipv6)
        out[o++] = ']';
    if (port != 80)
        snprintf(out + o, out_len - o, ":%u", port);
    else
        out[o] = '\0';
}

static unsigned long long parse_num(const char *s, const char *argv0)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *s == '-' || *end != '\0' || errno)
        usage(argv0);
    return v;
}

int main(int argc, char **argv)
{
    const char *host = NULL, *port = NULL;
    size_t n = 0, concurrency = DEFAULT_CONCURRENCY;
    uint64_t seed = 0;
    int positional = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = parse_num(argv[++i], argv[0]);
        else if (strcmp(argv[i], "--concurrency") == 0 && i + 1 < argc)
            concurrency = parse_num(argv[++i], argv[0]);
        else if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc)
            timeout_ms = (int)parse_num(argv[++i], argv[0]);
        else if (positional == 0 && ++positional)
            host = argv[i];
        else if (positional == 1 && ++positional)
            port = argv[i];
        else if (positional == 2 && ++positional)
            n = parse_num(argv[i], argv[0]);
        else
            usage(argv[0]);
    }
    if (positional != 3 || n == 0 || concurrency == 0 || timeout_ms <= 0)
        usage(argv[0]);

    char lookup[256];
    int is_ipv6;
    if (parse_host(host, lookup, sizeof lookup, &is_ipv6) != 0) {
        fprintf(stderr, "loadgen: %s is not a host name, an IPv4 address or an IPv6 literal\n",
                host);
        return 2;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
    int gai = getaddrinfo(lookup, port, &hints, &target);
    if (gai != 0) {
        fprintf(stderr, "loadgen: %s port %s: %s\n", host, port, gai_strerror(gai));
        return 2;
    }
    /* "[" + 255 bytes with every '%' as "%25" + "]:65535" fits. */
    static char host_value[3 * sizeof lookup + 16];
    host_header(lookup, is_ipv6, target->ai_addr, host_value, sizeof host_value);
    host_hdr = host_value;

    /* Every open connection is a descriptor: raise the soft limit to the hard one
     * and keep concurrency below it, so N can be far above the limit. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 64 && concurrency > rl.rlim_cur - 32)
            concurrency = rl.rlim_cur - 32;
    }
    if (concurrency > n)
        concurrency = n;

    char *gen_keys = malloc(n * WSACCEPT_KEY_LEN);
    uint8_t *gen_masks = malloc(n * WSACCEPT_MASK_LEN);
    char *expected = malloc(n * WSACCEPT_ACCEPT_LEN);
    received = calloc(n, WSACCEPT_ACCEPT_LEN);
    completed = calloc(n, 1);
    int8_t *result = malloc(n);
    struct slot *slots = calloc(concurrency, sizeof *slots);
    struct epoll_event *events = calloc(concurrency, sizeof *events);
    if (!gen_keys || !gen_masks || !expected || !received || !completed || !result || !slots || !events) {
        fprintf(stderr, "loadgen: out of memory for %zu connections\n", n);
        return 1;
    }

    /* All keys and their expected accepts in one call, before any socket opens. */
    double t0 = now_s();
    int rc = wsaccept_generate(gen_keys, expected, n, seed);
    if (rc < 0) {
        fprintf(stderr, "loadgen: wsaccept_generate: %s\n", wsaccept_strerror(rc));
        return 1;
    }
    /* A masking key for every frame to be sent, from the same seed (another stream). */
    rc = wsaccept_generate_masks(gen_masks, n, seed);
    if (rc < 0) {
        fprintf(stderr, "loadgen: wsaccept_generate_masks: %s\n", wsaccept_strerror(rc));
        return 1;
    }
    double t_gen = now_s() - t0;
    keys = gen_keys;
    masks = gen_masks;

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        perror("epoll_create1");
        return 1;
    }
    for (size_t i = 0; i < concurrency; i++)
        slots[i].fd = -1;

    size_t next = 0, open = 0;
    double start = now_s();
    int64_t last_sweep = now_ms();
    while (n_done < n || open > 0) {
        /* Refill free slots; a slot also counts as busy while closing. */
        for (size_t i = 0; i < concurrency && next < n; i++) {
            if (slots[i].fd < 0)
                slot_start(&slots[i], next++);
        }
        open = 0;
        for (size_t i = 0; i < concurrency; i++)
            open += slots[i].fd >= 0;
        if (open == 0 && next >= n)
            break;

        int k = epoll_wait(epfd, events, (int)concurrency, 100);
        for (int i = 0; i < k; i++)
            on_event(events[i].data.ptr, events[i].events);

        int64_t now = now_ms();
        if (now - last_sweep >= 100) {
            last_sweep = now;
            for (size_t i = 0; i < concurrency; i++) {
                struct slot *s = &slots[i];
                if (s->fd < 0 || now < s->deadline)
                    continue;
                if (s->phase == PH_CLOSING)
                    slot_release(s); /* already counted; the server was just slow to close */
                else
                    slot_fail(s, F_TIMEOUT);
            }
        }
    }
    double elapsed = now_s() - start;

    /* One call checks every accept we received against its key. Handshakes that
     * failed still have zeroed accepts here and count as mismatches too, but they
     * are reported separately below. */
    t0 = now_s();
    int64_t bad = wsaccept_verify_batch(keys, received, n, result, 0);
    double t_verify = now_s() - t0;
    if (bad < 0) {
        fprintf(stderr, "loadgen: wsaccept_verify_batch: %s\n", wsaccept_strerror((int)bad));
        return 1;
    }
    size_t mismatches = 0;
    for (size_t i = 0; i < n; i++) {
        if (!completed[i] || result[i] == 1)
            continue;
        if (mismatches++ == 0)
            fprintf(stderr,
                    "loadgen: mismatch on connection %zu: key %.*s expected %.*s got %.*s\n", i,
                    WSACCEPT_KEY_LEN, keys + i * WSACCEPT_KEY_LEN, WSACCEPT_ACCEPT_LEN,
                    expected + i * WSACCEPT_ACCEPT_LEN, WSACCEPT_ACCEPT_LEN,
                    received + i * WSACCEPT_ACCEPT_LEN);
    }
    /* The generator's own expected accepts must agree with what verify computed. */
    size_t gen_disagree = 0;
    for (size_t i = 0; i < n; i++)
        if (completed[i] && result[i] == 1 &&
            memcmp(expected + i * WSACCEPT_ACCEPT_LEN, received + i * WSACCEPT_ACCEPT_LEN,
                   WSACCEPT_ACCEPT_LEN) != 0)
            gen_disagree++;

    size_t failed = n - n_ok;
    printf("connections: %zu  concurrency: %zu  elapsed: %.3f s\n", n, concurrency, elapsed);
    printf("handshakes/s: %.0f\n", (double)n_ok / (elapsed > 0 ? elapsed : 1e-9));
    printf("handshakes ok: %zu  failed: %zu", n_ok, failed);
    for (int i = 0; i < F_COUNT; i++)
        if (n_fail[i])
            printf("  %s: %zu", fail_names[i], n_fail[i]);
    printf("\n");
    printf("mismatches: %zu\n", mismatches + gen_disagree);
    printf("verified: %zu/%zu  (generate %.3f ms, verify_batch %.3f ms)\n",
           n_ok - mismatches - gen_disagree, n, t_gen * 1e3, t_verify * 1e3);

    freeaddrinfo(target);
    close(epfd);
    return (failed == 0 && mismatches == 0 && gen_disagree == 0) ? 0 : 1;
}
