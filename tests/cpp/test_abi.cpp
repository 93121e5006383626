// Drives the C ABI through the C++17 wrapper bindings/cpp/wsaccept.hpp. Built and run by
// tests/c_abi.rs against libwsaccept.a and libwsaccept.so under ASan + UBSan.
// Exit status 0 only if every check passed.
#include "wsaccept.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "../c/check.h"

using namespace std::string_view_literals;

static constexpr std::string_view sample_key = "dGhlIHNhbXBsZSBub25jZQ=="sv;
static constexpr std::string_view sample_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="sv;

static void test_single() {
    CHECK(!wsaccept::version().empty());
    CHECK(!wsaccept::backend().empty());

    auto a = wsaccept::accept(sample_key);
    CHECK(a.ok() && a.code() == wsaccept::status::ok);
    CHECK(wsaccept::view(*a) == sample_accept);
    CHECK(wsaccept::to_string(a.value()) == std::string(sample_accept));
    CHECK(wsaccept::view(wsaccept::accept("  dGhlIHNhbXBsZSBub25jZQ==\t"sv).value()) == sample_accept);

    struct {
        std::string_view key;
        wsaccept::status want;
    } bad[] = {
        {"short"sv, wsaccept::status::key_length},
        {""sv, wsaccept::status::key_length},
        {"!GhlIHNhbXBsZSBub25jZQ=="sv, wsaccept::status::key_alphabet},
        {"dGhlIHNhbXBsZSBub25jZQ=A"sv, wsaccept::status::key_padding},
        {"dGhlIHNhbXBsZSBub25jZR=="sv, wsaccept::status::key_noncanonical},
    };
    for (auto &b : bad) {
        auto r = wsaccept::accept(b.key);
        CHECK(!r && r.code() == b.want);
        CHECK(r.message() != nullptr && std::strlen(r.message()) > 0);
    }
    std::string_view null_view;  // data() == nullptr, size 0
    CHECK(wsaccept::accept(null_view).code() == wsaccept::status::key_length);

    auto l = wsaccept::accept_lenient("abc"sv);
    CHECK(l.ok());
    CHECK(wsaccept::accept("abc"sv, wsaccept::mode::lenient).value() == l.value());
    CHECK(wsaccept::accept_lenient(std::string(300, 'a')).code() == wsaccept::status::key_length);

    CHECK(wsaccept::verify(sample_key, sample_accept).value() == true);
    CHECK(wsaccept::verify(sample_key, " s3pPLMBiTxaQ9kYGzzhZRbK+xOo= "sv).value() == true);
    auto mis = wsaccept::verify(sample_key, "s3pPLMBiTxaQ9kYGzzhZRbK+xOp="sv);
    CHECK(mis.ok() && mis.value() == false);
    CHECK(wsaccept::verify("bad"sv, sample_accept).code() == wsaccept::status::key_length);
    CHECK(wsaccept::verify(sample_key, null_view).value() == false);

    for (int c = -9; c <= 0; c++)
        CHECK(std::strlen(wsaccept::message(static_cast<wsaccept::status>(c))) > 0);
}

static void test_batches() {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{200}, std::size_t{9000}}) {
        auto gen = wsaccept::generate(n, 11 + n);
        CHECK(gen.ok());
        auto &[keys, accepts] = gen.value();
        CHECK(keys.size() == n && accepts.size() == n);
        if (n > 0) {
            keys[n / 2][1] = '%';  // one invalid key
        }
        for (std::size_t threads : {1, 0, 2}) {
            std::vector<wsaccept::accept_array> out;
            std::vector<std::int8_t> st;
            auto r = wsaccept::accept_batch(keys, out, &st, threads);
            CHECK(r.ok() && *r == (n > 0 ? 1u : 0u));
            CHECK(out.size() == n && st.size() == n);
            for (std::size_t i = 0; i < n; i++) {
                if (i == n / 2) {
                    CHECK(st[i] == WSACCEPT_KEY_ALPHABET);
                    CHECK(out[i] == wsaccept::accept_array{});
                } else {
                    CHECK(st[i] == WSACCEPT_OK);
                    CHECK(out[i] == accepts[i]);
                }
            }
            std::vector<std::int8_t> verdicts;
            auto v = wsaccept::verify_batch(keys, accepts, &verdicts, threads);
            CHECK(v.ok() && *v == (n > 0 ? 1u : 0u));
            for (std::size_t i = 0; i < n; i++)
                CHECK(verdicts[i] == (i == n / 2 ? WSACCEPT_KEY_ALPHABET : WSACCEPT_MATCH));
        }
        // pointer + size forms, unaligned
        std::vector<char> kbuf(n * 24 + 1), obuf(n * 28 + 1);
        if (n > 0) std::memcpy(kbuf.data() + 1, keys.front().data(), n * 24);
        auto r = wsaccept::accept_batch(kbuf.data() + 1, n, obuf.data() + 1, nullptr, 2);
        CHECK(r.ok() && *r == (n > 0 ? 1u : 0u));
        auto v = wsaccept::verify_batch(kbuf.data() + 1, obuf.data() + 1, n);
        CHECK(v.ok() && *v == (n > 0 ? 1u : 0u));
    }
    std::vector<wsaccept::key_array> k(2);
    std::vector<wsaccept::accept_array> a(3);
    CHECK(wsaccept::verify_batch(k, a).code() == wsaccept::status::bad_argument);
    CHECK(wsaccept::accept_batch(nullptr, 3, nullptr).code() == wsaccept::status::null_pointer);
    char out[28];
    CHECK(wsaccept::accept_batch(k.front().data(), 1, out, nullptr, 100000).code() ==
          wsaccept::status::bad_argument);
    CHECK(wsaccept::generate(nullptr, nullptr, 1, 1) == wsaccept::status::null_pointer);

    // reproducible generation
    auto g1 = wsaccept::generate(50, 99), g2 = wsaccept::generate(50, 99), g3 = wsaccept::generate(5, 99);
    CHECK(g1->first == g2->first && g1->second == g2->second);
    CHECK(std::equal(g3->first.begin(), g3->first.end(), g1->first.begin()));
    auto os1 = wsaccept::generate(4, 0), os2 = wsaccept::generate(4, 0);
    CHECK(os1.ok() && os2.ok() && os1->first != os2->first);

    // masking keys: reproducible per seed, fresh from the OS
    auto m1 = wsaccept::generate_masks(64, 5), m2 = wsaccept::generate_masks(64, 5);
    CHECK(m1.ok() && m2.ok() && *m1 == *m2 && m1->size() == 64);
    auto m3 = wsaccept::generate_masks(64, 0), m4 = wsaccept::generate_masks(64, 0);
    CHECK(m3.ok() && m4.ok() && *m3 != *m4);
    CHECK(wsaccept::generate_masks(0, 0).ok());
}

static void test_scattered() {
    std::vector<std::string> conns = {std::string(sample_key), "  " + std::string(sample_key),
                                      "abc", "dGhlIHNhbXBsZSBub25jZR=="};
    std::vector<std::string_view> keys(conns.begin(), conns.end());
    std::vector<std::string> responses(4, std::string(40, 'X'));
    std::vector<char *> outs;
    for (auto &r : responses) outs.push_back(r.data() + 5);
    std::vector<std::int8_t> st;
    auto r = wsaccept::accept_scattered(keys, outs, &st);
    CHECK(r.ok() && *r == 2);
    CHECK(st == (std::vector<std::int8_t>{0, 0, WSACCEPT_KEY_LENGTH, WSACCEPT_KEY_NONCANONICAL}));
    CHECK(std::string_view(outs[0], 28) == sample_accept);
    CHECK(std::string_view(outs[1], 28) == sample_accept);
    CHECK(std::string_view(outs[2], 28) == std::string(28, '\0'));
    CHECK(responses[0].substr(0, 5) == "XXXXX" && responses[0].substr(33) == "XXXXXXX");

    r = wsaccept::accept_scattered(keys, outs, &st, wsaccept::mode::lenient, 0);
    CHECK(r.ok() && *r == 0);
    CHECK(std::string_view(outs[2], 28) == wsaccept::view(*wsaccept::accept_lenient("abc")));

    std::vector<char *> fewer(outs.begin(), outs.end() - 1);
    CHECK(wsaccept::accept_scattered(keys, fewer).code() == wsaccept::status::bad_argument);
    outs[1] = nullptr;
    CHECK(wsaccept::accept_scattered(keys, outs).code() == wsaccept::status::null_pointer);
    CHECK(wsaccept::accept_scattered(nullptr, nullptr, 0, nullptr).value() == 0);
}

static void test_response() {
    const std::string want =
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        "\r\n";
    auto r = wsaccept::response(sample_key);
    CHECK(r.ok() && r.value() == want);
    auto p = wsaccept::response(sample_key, "chat");
    CHECK(p.ok() && p->size() == want.size() + 26 + 4);
    CHECK(p->find("\r\nSec-WebSocket-Protocol: chat\r\n\r\n") != std::string::npos);
    CHECK(wsaccept::response(sample_key, "a\r\nb").code() == wsaccept::status::bad_argument);
    CHECK(wsaccept::response("nope").code() == wsaccept::status::key_length);
    CHECK(wsaccept::response("nope", {}, wsaccept::mode::lenient).ok());
    for (std::size_t len = 0; len < want.size(); len++) {
        std::string buf(len + 4, 'Z');
        auto w = wsaccept::write_response(sample_key, {}, buf.data(), len);
        CHECK(w.code() == wsaccept::status::buffer_too_small);
        CHECK(buf == std::string(len + 4, 'Z'));
    }
    std::array<char, WSACCEPT_RESPONSE_BUF_LEN> buf{};
    auto w = wsaccept::write_response(sample_key, {}, buf.data(), buf.size());
    CHECK(w.ok() && std::string_view(buf.data(), *w) == want);
}

static void test_threads() {
    std::vector<std::thread> pool;
    std::vector<int> ok(4, 0);
    for (int t = 0; t < 4; t++)
        pool.emplace_back([t, &ok] {
            auto g = wsaccept::generate(3000, t + 1);
            std::vector<wsaccept::accept_array> out;
            bool good = g.ok();
            for (int round = 0; round < 3 && good; round++) {
                good = wsaccept::accept_batch(g->first, out, nullptr, round % 3).value_or(99) == 0 &&
                       out == g->second;
            }
            ok[t] = good;
        });
    for (auto &th : pool) th.join();
    for (int v : ok) CHECK(v == 1);
}

int main() {
    test_single();
    test_batches();
    test_scattered();
    test_response();
    test_threads();
    std::printf("test_abi.cpp (backend %s): %d checks, %d failed\n", wsaccept_backend(), checks,
                failures);
    return failures == 0 ? 0 : 1;
}
