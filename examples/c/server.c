/*
 * server.c - a small epoll WebSocket echo server built on libwsaccept.
 *
 * Usage: server [--batch] PORT   (PORT 0 picks a free port; the chosen one is printed)
 *
 * The opening handshake is the library's (wsaccept_server_handshake: the request read so far
 * in, the 101 or the right refusal out); this file has no HTTP parser of its own. With
 * --batch, the heads that completed in one epoll wakeup are answered by one
 * wsaccept_server_handshake_batch call after the wakeup's events (a head counts as complete at
 * its blank line or when 8 KiB have arrived; until then nothing checks it, so a head that never
 * ends is answered 408 at the deadline). On SIGINT or SIGTERM the server prints its CPU time
 * (getrusage) and handshake counts to stderr and exits.
 *
 * Listens on 127.0.0.1 only. Prints "listening on 127.0.0.1:PORT" once ready, so a
 * test harness can start it on port 0 and read the real port back (no port races).
 *
 * Design, in short:
 *  - one thread, level-triggered epoll, every socket non-blocking;
 *  - each connection owns a bounded input buffer and a growable output buffer, so
 *    partial reads and partial writes are the normal case, not a special one;
 *  - a connection never blocks the loop: we only read what is there and only write
 *    what the kernel takes, and we stop reading from a client that does not read
 *    our replies (backpressure) instead of buffering without bound;
 *  - every state that waits on the peer has a deadline (handshake, stalled writes,
 *    closing), so slow or dead clients cannot pin memory or descriptors forever;
 *  - out of descriptors, a waiting client is dropped at once (spare-fd trick) or the
 *    listener is paused until one is freed: never a retry loop (see on_accept).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wsaccept.h"

/* RFC 6455 does not bound the handshake; 8 KiB (the library's default limit) is what most
 * servers allow and far more than any real client sends. Past it the library answers 431. */
#define MAX_REQUEST WSACCEPT_DEFAULT_MAX_HEAD
/* Room for any response the handshake writes with the default configuration. */
#define RESPONSE_CAP 512
/* Largest frame payload we accept; bigger frames get close code 1009 (too big). */
#define MAX_PAYLOAD (1u << 20)
/* Stop reading from a client once this much of our output is still unsent. */
#define OUT_HIGH_WATER (1u << 20)
/* Bytes read per wakeup: bounded so one busy client cannot starve the others. */
#define READ_CHUNK 65536
/* Connections accepted per wakeup of the listener, for the same reason. */
#define ACCEPT_BUDGET 64

#define HANDSHAKE_TIMEOUT_MS 10000 /* whole request must arrive in this time */
#define WRITE_STALL_MS 30000       /* pending output must make progress this often */
#define LINGER_MS 2000             /* after our last bytes, wait this long for EOF */

enum state {
    ST_HTTP,   /* reading the upgrade request */
    ST_WS,     /* handshake done, exchanging frames */
    ST_CLOSE,  /* last bytes queued: flush them, then half-close and linger */
    ST_LINGER, /* write side shut: discard input until EOF or deadline */
};

struct conn {
    int fd;
    enum state state;
    char *in;        /* received, not yet consumed bytes */
    size_t in_len, in_cap;
    char *out;       /* queued output; out[out_off..out_len) is unsent */
    size_t out_off, out_len, out_cap;
    uint32_t events; /* current epoll interest, to avoid redundant epoll_ctl calls */
    int64_t deadline; /* monotonic ms; 0 = none */
    int fragmented;  /* inside a fragmented data message (continuations expected) */
    int queued;      /* --batch: its complete head waits for this wakeup's batch call */
    wsaccept_server_conn hs;                                /* the handshake's state */
    wsaccept_header_slot slots[WSACCEPT_DEFAULT_MAX_HEADERS]; /* its header lines */
};

static int epfd = -1;
static struct conn **conns; /* indexed by fd: fds are small and dense */
static size_t conns_cap;
static int max_fd = -1;
static int spare_fd = -1; /* kept open so we can still accept-and-drop at EMFILE */
static int listen_fd = -1;
static int listener_paused; /* listener out of the epoll interest: no descriptor to spare */
static unsigned long n_handshakes, n_rejected, n_dropped;
static wsaccept_server *server; /* the handshake configuration: defaults, no subprotocol */
static int batch_mode;
static struct conn *queued[256]; /* --batch: heads completed in this wakeup */
static size_t n_queued;
static volatile sig_atomic_t stop_requested;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_interest(struct conn *c, uint32_t events)
{
    if (c->events == events)
        return;
    struct epoll_event ev = {.events = events, .data.fd = c->fd};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->events = events;
}

static void listener_resume(void);

static void conn_free(struct conn *c)
{
    /* close() also removes the fd from the epoll set (we never dup these fds). */
    close(c->fd);
    conns[c->fd] = NULL;
    free(c->in);
    free(c->out);
    free(c);
    listener_resume(); /* a descriptor is free again: accept the next client */
}

/* Queue bytes for the peer. Returns -1 only on allocation failure. */
static int out_append(struct conn *c, const void *data, size_t len)
{
    if (len == 0)
        return 0;
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0; /* empty: reuse from the start */
    if (c->out_len + len > c->out_cap) {
        /* Compact first: the sent prefix is dead weight. */
        if (c->out_off > 0) {
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_off = 0;
        }
        if (c->out_len + len > c->out_cap) {
            size_t cap = c->out_cap ? c->out_cap : 4096;
            while (cap < c->out_len + len)
                cap *= 2;
            char *p = realloc(c->out, cap);
            if (!p)
                return -1;
            c->out = p;
            c->out_cap = cap;
        }
    }
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    return 0;
}

/* Decide what we want from epoll given buffered output and state. */
static void update_interest(struct conn *c)
{
    uint32_t ev = 0;
    size_t pending = c->out_len - c->out_off;
    /* Backpressure: a client that does not read our echoes must not make us read
     * (and buffer) more of its input. */
    if (c->state != ST_CLOSE && pending < OUT_HIGH_WATER)
        ev |= EPOLLIN;
    if (pending > 0)
        ev |= EPOLLOUT;
    set_interest(c, ev);
}

/*
 * Write as much queued output as the kernel takes right now.
 * Returns -1 if the connection is dead and was freed.
 */
static int conn_flush(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            if (c->state == ST_WS)
                c->deadline = now_ms() + WRITE_STALL_MS; /* progress: re-arm */
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        conn_free(c); /* EPIPE, ECONNRESET, ...: nothing left to say */
        return -1;
    }
    if (c->out_off == c->out_len) {
        c->out_off = c->out_len = 0;
        if (c->state == ST_WS)
            c->deadline = 0;
        if (c->state == ST_CLOSE) {
            /* Half-close and wait for the peer's FIN instead of close() right away:
             * closing with unread input makes the kernel send RST, which can destroy
             * our final response before the client has read it. */
            shutdown(c->fd, SHUT_WR);
            c->state = ST_LINGER;
            c->deadline = now_ms() + LINGER_MS;
        }
    } else if (c->state == ST_WS && c->deadline == 0) {
        c->deadline = now_ms() + WRITE_STALL_MS;
    }
    update_interest(c);
    return 0;
}

/* Queue a final message and move to closing: nothing is read or parsed after it. */
static void begin_close(struct conn *c, const void *data, size_t len)
{
    if (len)
        out_append(c, data, len); /* on ENOMEM we just close without the message */
    c->state = ST_CLOSE;
    c->deadline = now_ms() + LINGER_MS + WRITE_STALL_MS;
}

/* ------------------------------------------------------------------ HTTP part */

/* The one refusal the library does not write: the head did not arrive in time. */
static void request_timeout(struct conn *c)
{
    static const char RESPONSE[] = "HTTP/1.1 408 Request Timeout\r\n"
                                   "Content-Type: text/plain\r\n"
                                   "Content-Length: 20\r\n"
                                   "Connection: close\r\n"
                                   "\r\n"
                                   "request not in time\n";
    n_rejected++;
    begin_close(c, RESPONSE, sizeof RESPONSE - 1);
}

/* Acts on the library's answer: queue the 101 and keep what followed the head (the client
 * may pipeline its first frames right behind it), or queue the refusal and close. */
static void apply_handshake(struct conn *c, const wsaccept_handshake_result *r, const char *resp)
{
    if (r->outcome == WSACCEPT_HANDSHAKE_REFUSED) {
        n_rejected++;
        begin_close(c, resp, r->response_len);
        return;
    }
    out_append(c, resp, r->response_len);
    memmove(c->in, c->in + r->head_len, c->in_len - r->head_len);
    c->in_len -= r->head_len;
    c->state = ST_WS;
    c->deadline = 0; /* WebSocket connections may idle as long as they like */
    n_handshakes++;
}

/* ------------------------------------------------------------- WebSocket part */

/* Append one unmasked server frame (servers never mask, RFC 6455 5.1). */
static int ws_send(struct conn *c, uint8_t b0, const char *payload, uint64_t len)
{
    uint8_t hdr[10];
    size_t hlen;
    hdr[0] = b0;
    if (len < 126) {
        hdr[1] = (uint8_t)len;
        hlen = 2;
    } else if (len <= 0xffff) {
        hdr[1] = 126;
        hdr[2] = (uint8_t)(len >> 8);
        hdr[3] = (uint8_t)len;
        hlen = 4;
    } else {
        hdr[1] = 127;
        for (int i = 0; i < 8; i++)
            hdr[2 + i] = (uint8_t)(len >> (56 - 8 * i));
        hlen = 10;
    }
    if (out_append(c, hdr, hlen) < 0 || out_append(c, payload, (size_t)len) < 0)
        return -1;
    return 0;
}

/* Fail the connection (RFC 6455 7.1.7): send a close with `code` and stop reading. */
static void ws_fail(struct conn *c, uint16_t code)
{
    uint8_t payload[2] = {(uint8_t)(code >> 8), (uint8_t)code};
    ws_send(c, 0x88, (const char *)payload, 2);
    begin_close(c, NULL, 0);
}

/* Valid close codes a peer may send (RFC 6455 7.4); others are protocol errors. */
static int close_code_ok(unsigned code)
{
    if (code >= 3000 && code <= 4999)
        return 1;
    return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

/*
 * Parse and act on every complete frame in c->in. Returns the number of bytes
 * consumed. Stops early when the connection starts closing.
 */
static size_t ws_process(struct conn *c)
{
    size_t pos = 0;
    while (c->state == ST_WS) {
        uint8_t *f = (uint8_t *)c->in + pos;
        size_t avail = c->in_len - pos;
        if (avail < 2)
            break;
        int fin = f[0] & 0x80;
        int opcode = f[0] & 0x0f;
        int masked = f[1] & 0x80;
        uint64_t len = f[1] & 0x7f;
        size_t hlen = 2;
        if (len == 126) {
            if (avail < 4)
                break;
            len = ((uint64_t)f[2] << 8) | f[3];
            hlen = 4;
        } else if (len == 127) {
            if (avail < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = (len << 8) | f[2 + i];
            hlen = 10;
        }
        /* Validate the header before waiting for the payload, so an oversized or
         * bogus frame is refused at once instead of after buffering it. */
        if (f[0] & 0x70) { /* RSV bits: we negotiated no extension */
            ws_fail(c, 1002);
            break;
        }
        if (!masked) { /* clients must mask (RFC 6455 5.1) */
            ws_fail(c, 1002);
            break;
        }
        int control = opcode & 0x8;
        if (control) {
            if (!fin || len > 125 || (opcode != 0x8 && opcode != 0x9 && opcode != 0xA)) {
                ws_fail(c, 1002);
                break;
            }
        } else if (opcode == 0x0 ? !c->fragmented : (opcode > 0x2 || c->fragmented)) {
            /* continuation without a start, new message inside one, or reserved opcode */
            ws_fail(c, 1002);
            break;
        }
        if (len > MAX_PAYLOAD) {
            ws_fail(c, 1009);
            break;
        }
        hlen += 4;
        if (avail < hlen + len) {
            /* Incomplete: make sure the buffer can hold the whole frame. */
            size_t need = hlen + (size_t)len;
            if (need > c->in_cap) {
                /* Compact first so growth is relative to this frame only. */
                memmove(c->in, c->in + pos, avail);
                c->in_len = avail;
                pos = 0;
                char *p = realloc(c->in, need);
                if (!p) {
                    ws_fail(c, 1011);
                    break;
                }
                c->in = p;
                c->in_cap = need;
            }
            break;
        }

        char *payload = (char *)f + hlen;
        const uint8_t *mask = f + hlen - 4;
        for (uint64_t i = 0; i < len; i++)
            payload[i] ^= (char)mask[i & 3];
        pos += hlen + (size_t)len;

        switch (opcode) {
        case 0x0: /* continuation */
        case 0x1: /* text */
        case 0x2: /* binary */
            /* Echo frame by frame, keeping FIN and opcode: a fragmented message comes
             * back fragmented the same way, with no reassembly buffer. Text is not
             * UTF-8 validated here: we return exactly the bytes we were given. */
            if (!control)
                c->fragmented = !fin;
            if (ws_send(c, (uint8_t)(f[0] & 0x8f), payload, len) < 0)
                ws_fail(c, 1011);
            break;
        case 0x9: /* ping -> pong with the same application data */
            if (ws_send(c, 0x8A, payload, len) < 0)
                ws_fail(c, 1011);
            break;
        case 0xA: /* unsolicited pong: ignore */
            break;
        case 0x8: { /* close: answer with the peer's code, then close */
            if (len == 1) {
                ws_fail(c, 1002);
                break;
            }
            if (len >= 2) {
                unsigned code = ((unsigned)(uint8_t)payload[0] << 8) | (uint8_t)payload[1];
                if (!close_code_ok(code)) {
                    ws_fail(c, 1002);
                    break;
                }
                ws_send(c, 0x88, payload, 2);
            } else {
                ws_send(c, 0x88, NULL, 0);
            }
            begin_close(c, NULL, 0);
            break;
        }
        }
    }
    return pos;
}

/* ------------------------------------------------------------------- I/O loop */

/* Frames in c->in: answer what is complete, keep the rest. */
static void ws_input(struct conn *c)
{
    size_t used = ws_process(c);
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
    if (c->in_len == 0 && c->in_cap > MAX_REQUEST) {
        /* Give back the room a large frame needed; idle connections stay small. */
        char *p = realloc(c->in, MAX_REQUEST);
        if (p) {
            c->in = p;
            c->in_cap = MAX_REQUEST;
        }
    }
}

/* --batch: one library call answers every head that completed in this wakeup. */
static void flush_batch(void)
{
    if (n_queued == 0)
        return;
    static wsaccept_handshake_job jobs[sizeof queued / sizeof queued[0]];
    static char responses[sizeof queued / sizeof queued[0]][RESPONSE_CAP];
    static wsaccept_header_slot slots[WSACCEPT_DEFAULT_MAX_HEADERS];
    for (size_t i = 0; i < n_queued; i++) {
        jobs[i].request = queued[i]->in;
        jobs[i].request_len = queued[i]->in_len;
        jobs[i].response = responses[i];
        jobs[i].response_cap = RESPONSE_CAP;
    }
    int rc = wsaccept_server_handshake_batch(server, jobs, n_queued, slots,
                                             WSACCEPT_DEFAULT_MAX_HEADERS);
    for (size_t i = 0; i < n_queued; i++) {
        struct conn *c = queued[i];
        c->queued = 0;
        if (rc != WSACCEPT_OK || jobs[i].status != WSACCEPT_OK) {
            conn_free(c); /* cannot happen: every argument is valid */
            continue;
        }
        if (jobs[i].result.outcome == WSACCEPT_HANDSHAKE_NEED_MORE)
            continue; /* not a head after all (a blank line inside a bigger one is not) */
        apply_handshake(c, &jobs[i].result, responses[i]);
        if (c->state == ST_WS)
            ws_input(c);
        conn_flush(c);
    }
    n_queued = 0;
}

static void on_readable(struct conn *c)
{
    if (c->state == ST_LINGER) {
        /* Discard until EOF; only then can we close without risking an RST. */
        char sink[4096];
        ssize_t n = recv(c->fd, sink, sizeof sink, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            conn_free(c);
        return;
    }
    if (c->state == ST_CLOSE)
        return;

    size_t room = c->in_cap - c->in_len;
    if (room == 0)
        return; /* cannot happen: ST_HTTP answers 431 when full, ST_WS grows per frame */
    if (room > READ_CHUNK)
        room = READ_CHUNK;
    ssize_t n = recv(c->fd, c->in + c->in_len, room, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        conn_free(c);
        return;
    }
    if (n == 0) { /* peer went away without a close frame (or mid-request) */
        conn_free(c);
        return;
    }
    c->in_len += (size_t)n;

    if (c->state == ST_HTTP) {
        if (batch_mode) {
            /* Search only near the new bytes: the blank line may straddle two reads. */
            size_t from = c->in_len - (size_t)n;
            from = from >= 3 ? from - 3 : 0;
            int complete = memmem(c->in + from, c->in_len - from, "\r\n\r\n", 4) != NULL;
            if (complete || c->in_len == c->in_cap) {
                if (!c->queued) {
                    c->queued = 1;
                    queued[n_queued++] = c;
                }
                return; /* answered after this wakeup's events, in one batch call */
            }
            /* Not complete: the resumable call below looks at the new bytes only and answers
             * at once a head that can no longer become valid (a bare LF, obs-fold, ...). */
        }
        wsaccept_handshake_result r;
        char resp[RESPONSE_CAP];
        if (wsaccept_server_handshake(server, &c->hs, c->in, c->in_len, c->slots,
                                      WSACCEPT_DEFAULT_MAX_HEADERS, resp, sizeof resp,
                                      &r) != WSACCEPT_OK) {
            conn_free(c); /* cannot happen: RESPONSE_CAP holds every response */
            return;
        }
        if (r.outcome == WSACCEPT_HANDSHAKE_NEED_MORE) {
            conn_flush(c);
            return;
        }
        apply_handshake(c, &r, resp);
    }
    if (c->state == ST_WS)
        ws_input(c);
    conn_flush(c);
}

/*
 * The listener is taken out of the epoll set's interest while no descriptor can be had
 * for a new connection, and put back as soon as one is freed (or at the next sweep,
 * for a shortage that is not ours: ENFILE, ENOMEM). Level-triggered epoll would
 * otherwise report the pending connection again at once, forever: a busy loop.
 */
static void listener_pause(void)
{
    if (listener_paused)
        return;
    struct epoll_event ev = {.events = 0, .data.fd = listen_fd};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, listen_fd, &ev) == 0)
        listener_paused = 1;
}

static void listener_resume(void)
{
    if (!listener_paused)
        return;
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = listen_fd};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, listen_fd, &ev) == 0)
        listener_paused = 0;
}

/*
 * Out of descriptors (EMFILE/ENFILE). accept4() allocates the new descriptor before it
 * looks at the backlog, so this error says nothing about whether a client is waiting,
 * and retrying accept4() cannot make progress. Free the spare descriptor, accept one
 * waiting client with it and close it at once (it fails fast instead of hanging in
 * the backlog), then take the spare back. Returns 1 if a client was dropped (another
 * may wait), 0 if the backlog is empty or the spare is gone (the listener is paused).
 * Either way the caller must not simply retry accept4(): the old code did, and spun
 * forever without returning to epoll_wait, so it never read the EOFs that would have
 * freed descriptors.
 */
static int drop_one_pending(int lfd)
{
    if (spare_fd < 0) {
        listener_pause();
        return 0;
    }
    close(spare_fd);
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    int err = errno;
    if (fd >= 0)
        close(fd);
    spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n_dropped++;
        return spare_fd >= 0;
    }
    if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR && err != ECONNABORTED)
        listener_pause(); /* e.g. ENFILE with the spare taken by someone else */
    return 0;
}

static void on_accept(int lfd)
{
    /* Bounded per wakeup, so a connection flood cannot starve established clients:
     * level-triggered epoll reports the listener again if more are waiting. */
    for (int budget = ACCEPT_BUDGET; budget > 0; budget--) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return; /* backlog drained */
            if (errno == EMFILE || errno == ENFILE) {
                if (drop_one_pending(lfd))
                    continue;
                return;
            }
            /* ENOBUFS, ENOMEM, ...: would fail again right away; retry after a sweep. */
            listener_pause();
            return;
        }
        if ((size_t)fd >= conns_cap) {
            size_t cap = conns_cap ? conns_cap : 1024;
            while (cap <= (size_t)fd)
                cap *= 2;
            struct conn **p = realloc(conns, cap * sizeof *p);
            if (!p) {
                close(fd);
                continue;
            }
            memset(p + conns_cap, 0, (cap - conns_cap) * sizeof *p);
            conns = p;
            conns_cap = cap;
        }
        struct conn *c = calloc(1, sizeof *c);
        char *in = malloc(MAX_REQUEST);
        if (!c || !in) {
            free(c);
            free(in);
            close(fd);
            continue;
        }
        int one = 1; /* handshakes and echoes are small: do not wait for Nagle */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        c->in = in;
        c->in_cap = MAX_REQUEST;
        c->state = ST_HTTP;
        c->deadline = now_ms() + HANDSHAKE_TIMEOUT_MS;
        c->events = EPOLLIN;
        wsaccept_server_conn_init(server, &c->hs);
        struct epoll_event ev = {.events = c->events, .data.fd = fd};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            free(in);
            free(c);
            close(fd);
            continue;
        }
        conns[fd] = c;
        if (fd > max_fd)
            max_fd = fd;
    }
}

/* Close every connection whose deadline passed: slow-loris requests, clients that
 * stopped reading, and peers that never finish the closing handshake. */
static void sweep(int64_t now)
{
    for (int fd = 0; fd <= max_fd; fd++) {
        struct conn *c = conns[fd];
        if (c && c->deadline && now >= c->deadline) {
            if (c->state == ST_HTTP && !c->queued) {
                request_timeout(c);
                c->deadline = now + LINGER_MS; /* one last try to say why */
                conn_flush(c);
            } else {
                conn_free(c);
            }
        }
    }
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4096) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* What the server spent, for measuring handshake cost under loadgen. */
static void print_usage(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr,
            "server cpu: user %ld.%06ld s, system %ld.%06ld s; handshakes %lu, refused %lu (%s)\n",
            (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec,
            (long)ru.ru_stime.tv_usec, n_handshakes, n_rejected,
            batch_mode ? "batch" : "one call per read");
}

int main(int argc, char **argv)
{
    int argi = 1;
    if (argc == 3 && strcmp(argv[1], "--batch") == 0) {
        batch_mode = 1;
        argi = 2;
    }
    if (argc != argi + 1) {
        fprintf(stderr, "usage: %s [--batch] PORT   (0 = any free port)\n", argv[0]);
        return 2;
    }
    char *endp;
    long port = strtol(argv[argi], &endp, 10);
    if (*argv[argi] == '\0' || *endp != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, "bad port: %s\n", argv[argi]);
        return 2;
    }
    if (wsaccept_server_new(NULL, &server) != WSACCEPT_OK) {
        fprintf(stderr, "wsaccept_server_new failed\n");
        return 1;
    }
    struct sigaction sa_stop = {.sa_handler = on_stop};
    sigaction(SIGINT, &sa_stop, NULL);
    sigaction(SIGTERM, &sa_stop, NULL);
    /* Writes to a reset peer must fail with EPIPE, not kill the server. */
    signal(SIGPIPE, SIG_IGN);

    /* Each connection is one descriptor: allow as many as the hard limit lets us. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

    int lfd = listen_on((int)port);
    listen_fd = lfd;
    if (lfd < 0) {
        perror("listen");
        return 1;
    }
    struct sockaddr_in sa;
    socklen_t salen = sizeof sa;
    getsockname(lfd, (struct sockaddr *)&sa, &salen);

    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
    if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev) < 0) {
        perror("epoll");
        return 1;
    }
    printf("listening on 127.0.0.1:%d\n", ntohs(sa.sin_port));
    fflush(stdout);

    struct epoll_event events[256];
    int64_t next_sweep = now_ms() + 1000;
    for (;;) {
        int n = epoll_wait(epfd, events, 256, 1000);
        if (stop_requested) {
            print_usage();
            return 0;
        }
        if (n < 0 && errno != EINTR) {
            perror("epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == lfd) {
                on_accept(lfd);
                continue;
            }
            struct conn *c = (size_t)fd < conns_cap ? conns[fd] : NULL;
            if (!c)
                continue; /* closed earlier in this batch */
            uint32_t ev = events[i].events;
            /* ERR, or HUP while we only have output left: nothing can be delivered. */
            if ((ev & EPOLLERR) || ((ev & EPOLLHUP) && c->state == ST_CLOSE)) {
                conn_free(c);
                continue;
            }
            /* Write first: it frees output room, which may re-enable reading. */
            if ((ev & EPOLLOUT) && conn_flush(c) < 0)
                continue;
            c = conns[fd];
            if (c && (ev & (EPOLLIN | EPOLLHUP)))
                on_readable(c);
        }
        flush_batch();
        int64_t now = now_ms();
        if (now >= next_sweep) {
            sweep(now);
            if (spare_fd < 0) /* lost at a shortage: take it back once a descriptor is free */
                spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
            listener_resume(); /* retry a shortage that was not ours (ENFILE, ENOMEM) */
            next_sweep = now + 1000;
        }
    }
}
