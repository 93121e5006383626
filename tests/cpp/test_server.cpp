// The C++ wrapper's server handshake: a configuration, a connection fed in two reads, the
// 101 bytes, a refusal and its reason text, the batch call. Built and run by
// tests/handshake_c_abi.rs under ASan + UBSan. Exit 0 only if every check passed.
#include "wsaccept.hpp"

#include <cstdio>
#include <cstring>
#include <string>

static int failures = 0;
#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            failures++;                                                               \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

int main() {
    const char *protocols[] = {"chat"};
    wsaccept_server_options opts{};
    opts.subprotocols = protocols;
    opts.n_subprotocols = 1;
    auto made = wsaccept::server::make(opts);
    CHECK(made.ok());
    wsaccept::server srv = std::move(made).value();
    CHECK(srv.response_buf_len() >= 129);

    const std::string req =
        "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: chat\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n";
    std::string out(srv.response_buf_len(), '\0');
    wsaccept::connection conn(srv);
    auto first = srv.handshake(conn, req.data(), 10, out.data(), out.size());
    CHECK(first.ok() && first->outcome == WSACCEPT_HANDSHAKE_NEED_MORE);
    auto done = srv.handshake(conn, req.data(), req.size(), out.data(), out.size());
    CHECK(done.ok() && done->outcome == WSACCEPT_HANDSHAKE_ACCEPTED);
    CHECK(done->head_len == req.size() && done->subprotocol == 0);
    const std::string want =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n";
    CHECK(out.compare(0, done->response_len, want) == 0);

    conn.reset(srv);
    const std::string post = "POST / HTTP/1.1\r\n";
    auto refused = srv.handshake(conn, post.data(), post.size(), out.data(), out.size());
    CHECK(refused.ok() && refused->outcome == WSACCEPT_HANDSHAKE_REFUSED);
    CHECK(refused->http_status == 405);
    CHECK(wsaccept::reason_text(refused->reason) == "method is not GET");

    wsaccept_handshake_job jobs[2]{};
    std::string outs[2] = {std::string(512, '\0'), std::string(512, '\0')};
    for (int i = 0; i < 2; i++) {
        jobs[i].request = req.data();
        jobs[i].request_len = req.size();
        jobs[i].response = outs[i].data();
        jobs[i].response_cap = outs[i].size();
    }
    auto n = srv.handshake_batch(jobs, 2);
    CHECK(n.ok() && *n == 2);
    for (auto &j : jobs) {
        CHECK(j.status == WSACCEPT_OK && j.result.outcome == WSACCEPT_HANDSHAKE_ACCEPTED);
        CHECK(std::string(j.response, j.result.response_len) == want);
    }
    wsaccept::server moved = std::move(srv);
    CHECK(moved.get() != nullptr && srv.get() == nullptr);
    if (failures) {
        std::fprintf(stderr, "test_server.cpp: %d checks failed\n", failures);
        return 1;
    }
    std::puts("test_server.cpp: all checks passed");
    return 0;
}
