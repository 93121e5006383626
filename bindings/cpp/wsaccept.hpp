// wsaccept.hpp: header-only C++17 wrapper over the wsaccept C API (wsaccept.h).
//
// No exceptions on the error path: every call returns a wsaccept::result<T> holding either a
// value or a negative status code (wsaccept::status). Only the calls that allocate
// (std::string / std::vector results) can throw, and only std::bad_alloc.
//
//   auto r = wsaccept::accept(key);            // result<accept_array>, accept_array = std::array<char, 28>
//   if (!r) log(r.message());                  // "key has the wrong length", ...
//   else send(r->data(), r->size());
//
// Link as for the C API: -lwsaccept (shared) or libwsaccept.a plus its native libraries.
#ifndef WSACCEPT_HPP
#define WSACCEPT_HPP

// std::string_view, inline variables and class template argument deduction are C++17; older
// standards would fail deep inside this header with errors that do not say why.
#if !defined(__cplusplus) || (defined(_MSVC_LANG) ? _MSVC_LANG : __cplusplus) < 201703L
#error "wsaccept.hpp needs C++17 or later: compile with -std=c++17 (CMake: the wsaccept::wsaccept targets add cxx_std_17); from C, include wsaccept.h"
#else  // C++17: the whole wrapper (the #error alone does not stop the compiler)

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "wsaccept.h"

namespace wsaccept {

inline constexpr std::size_t key_len = WSACCEPT_KEY_LEN;
inline constexpr std::size_t accept_len = WSACCEPT_ACCEPT_LEN;

/// A client key slot (24 bytes, no NUL) and an accept (28 bytes, no NUL). Not `key_t`: POSIX
/// has a `key_t` (<sys/types.h>), and `using namespace wsaccept;` would make it ambiguous.
using key_array = std::array<char, WSACCEPT_KEY_LEN>;
using accept_array = std::array<char, WSACCEPT_ACCEPT_LEN>;
using mask_array = std::array<std::uint8_t, WSACCEPT_MASK_LEN>;
static_assert(sizeof(key_array) == WSACCEPT_KEY_LEN, "key_array must be exactly 24 bytes");
static_assert(sizeof(accept_array) == WSACCEPT_ACCEPT_LEN, "accept_array must be exactly 28 bytes");

/// The C status codes, as a scoped enum.
enum class status : int {
    ok = WSACCEPT_OK,
    null_pointer = WSACCEPT_NULL_POINTER,
    key_length = WSACCEPT_KEY_LENGTH,
    key_alphabet = WSACCEPT_KEY_ALPHABET,
    key_padding = WSACCEPT_KEY_PADDING,
    key_noncanonical = WSACCEPT_KEY_NONCANONICAL,
    bad_argument = WSACCEPT_BAD_ARGUMENT,
    buffer_too_small = WSACCEPT_BUFFER_TOO_SMALL,
    internal_error = WSACCEPT_INTERNAL_ERROR,
    random_failure = WSACCEPT_RANDOM_FAILURE,
};

/// How keys are checked (see WSACCEPT_MODE_STRICT / WSACCEPT_MODE_LENIENT).
enum class mode : int { strict = WSACCEPT_MODE_STRICT, lenient = WSACCEPT_MODE_LENIENT };

/// Static text for a status code; never null.
inline const char *message(status s) noexcept { return wsaccept_strerror(static_cast<int>(s)); }

/// Either a value or a negative status. Check with `ok()` / `operator bool` before `value()`.
template <class T>
class [[nodiscard]] result {
  public:
    result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)
        : value_(std::move(value)), status_(status::ok) {}
    result(status s) noexcept(std::is_nothrow_default_constructible_v<T>) : value_(), status_(s) {}

    bool ok() const noexcept { return status_ == status::ok; }
    explicit operator bool() const noexcept { return ok(); }
    status code() const noexcept { return status_; }
    const char *message() const noexcept { return wsaccept::message(status_); }

    /// The value; meaningful only when ok() (otherwise a value-initialised T).
    const T &value() const & noexcept { return value_; }
    T &value() & noexcept { return value_; }
    T &&value() && noexcept { return std::move(value_); }
    const T &operator*() const & noexcept { return value_; }
    const T *operator->() const noexcept { return &value_; }
    T value_or(T fallback) const { return ok() ? value_ : fallback; }

  private:
    T value_;
    status status_;
};

namespace detail {
inline status to_status(long long code) noexcept { return static_cast<status>(code); }

/// A count returned by a batch call, or its negative status.
inline result<std::size_t> count(std::int64_t rc) noexcept {
    if (rc < 0) return to_status(rc);
    return static_cast<std::size_t>(rc);
}

template <class Slot>
inline auto slot_ptr(std::vector<Slot> &v) noexcept {
    return v.empty() ? nullptr : v.front().data();
}
template <class Slot>
inline auto slot_ptr(const std::vector<Slot> &v) noexcept {
    return v.empty() ? nullptr : v.front().data();
}
}  // namespace detail

inline std::string_view version() noexcept { return wsaccept_version(); }
inline std::string_view backend() noexcept { return wsaccept_backend(); }

/// The accept as a std::string (28 characters).
inline std::string to_string(const accept_array &a) { return std::string(a.data(), a.size()); }
inline std::string_view view(const accept_array &a) noexcept { return {a.data(), a.size()}; }

/// The accept for one key (strict RFC 6455 rules, spaces/tabs around the key trimmed).
inline result<accept_array> accept(std::string_view key, mode m = mode::strict) noexcept {
    accept_array out{};
    int rc = m == mode::strict ? wsaccept_accept(key.data(), key.size(), out.data())
                               : wsaccept_accept_lenient(key.data(), key.size(), out.data());
    if (rc != WSACCEPT_OK) return detail::to_status(rc);
    return out;
}

/// The accept for one key under the lenient rules.
inline result<accept_array> accept_lenient(std::string_view key) noexcept {
    return accept(key, mode::lenient);
}

/// Client side: true if `received` is the accept for `key`; an invalid key is an error.
inline result<bool> verify(std::string_view key, std::string_view received) noexcept {
    int rc = wsaccept_verify(key.data(), key.size(), received.data(), received.size());
    if (rc < 0) return detail::to_status(rc);
    return rc == WSACCEPT_MATCH;
}

/// Contiguous batch, pointer + count: `keys` n*24 bytes, `out` n*28 bytes, `status` null or n
/// codes. Returns the number of invalid keys. threads: 1 = this thread, 0 = all cores.
inline result<std::size_t> accept_batch(const char *keys, std::size_t n, char *out,
                                        std::int8_t *status_out = nullptr,
                                        std::size_t threads = 1) noexcept {
    return detail::count(wsaccept_accept_batch(keys, n, out, status_out, threads));
}

/// Contiguous batch over vectors: `out` is resized to keys.size(); `status_out`, if given, too.
inline result<std::size_t> accept_batch(const std::vector<key_array> &keys, std::vector<accept_array> &out,
                                        std::vector<std::int8_t> *status_out = nullptr,
                                        std::size_t threads = 1) {
    out.resize(keys.size());
    std::int8_t *st = nullptr;
    if (status_out) {
        status_out->resize(keys.size());
        st = status_out->data();
    }
    return accept_batch(detail::slot_ptr(keys), keys.size(), detail::slot_ptr(out), st, threads);
}

/// Batch verification, pointer + count. Returns how many did not match.
inline result<std::size_t> verify_batch(const char *keys, const char *accepts, std::size_t n,
                                        std::int8_t *result_out = nullptr,
                                        std::size_t threads = 1) noexcept {
    return detail::count(wsaccept_verify_batch(keys, accepts, n, result_out, threads));
}

/// Batch verification over vectors of equal size (else status::bad_argument).
inline result<std::size_t> verify_batch(const std::vector<key_array> &keys,
                                        const std::vector<accept_array> &accepts,
                                        std::vector<std::int8_t> *result_out = nullptr,
                                        std::size_t threads = 1) {
    if (keys.size() != accepts.size()) return status::bad_argument;
    std::int8_t *r = nullptr;
    if (result_out) {
        result_out->resize(keys.size());
        r = result_out->data();
    }
    return verify_batch(detail::slot_ptr(keys), detail::slot_ptr(accepts), keys.size(), r, threads);
}

/// Scattered batch, raw form: see wsaccept_accept_scattered.
inline result<std::size_t> accept_scattered(const char *const *keys, const std::size_t *key_lens,
                                            std::size_t n, char *const *outs,
                                            std::int8_t *status_out = nullptr,
                                            mode m = mode::strict,
                                            std::size_t threads = 1) noexcept {
    return detail::count(wsaccept_accept_scattered(keys, key_lens, n, outs, status_out,
                                                   static_cast<int>(m), threads));
}

/// Scattered batch: keys[i] (any length, OWS trimmed) -> 28 bytes at outs[i]. Sizes must match
/// (else status::bad_argument); `status_out`, if given, is resized.
inline result<std::size_t> accept_scattered(const std::vector<std::string_view> &keys,
                                            const std::vector<char *> &outs,
                                            std::vector<std::int8_t> *status_out = nullptr,
                                            mode m = mode::strict, std::size_t threads = 1) {
    if (keys.size() != outs.size()) return status::bad_argument;
    std::vector<const char *> ptrs(keys.size());
    std::vector<std::size_t> lens(keys.size());
    for (std::size_t i = 0; i < keys.size(); i++) {
        ptrs[i] = keys[i].data();
        lens[i] = keys[i].size();
    }
    std::int8_t *st = nullptr;
    if (status_out) {
        status_out->resize(keys.size());
        st = status_out->data();
    }
    return accept_scattered(ptrs.data(), lens.data(), keys.size(), outs.data(), st, m, threads);
}

/// Raw key generation: keys n*24 bytes, accepts n*28 bytes or null. seed 0 = OS randomness.
inline status generate(char *keys, char *accepts, std::size_t n, std::uint64_t seed) noexcept {
    return detail::to_status(wsaccept_generate(keys, accepts, n, seed));
}

/// n fresh keys and their accepts. seed 0 = OS randomness, otherwise reproducible.
inline result<std::pair<std::vector<key_array>, std::vector<accept_array>>> generate(std::size_t n,
                                                                             std::uint64_t seed) {
    std::vector<key_array> keys(n);
    std::vector<accept_array> accepts(n);
    status s = generate(detail::slot_ptr(keys), detail::slot_ptr(accepts), n, seed);
    if (s != status::ok) return s;
    return std::make_pair(std::move(keys), std::move(accepts));
}

/// n fresh frame masking keys (RFC 6455 5.3), one per frame to send. seed 0 = OS randomness,
/// otherwise reproducible (and independent of the keys generate() makes from that seed).
inline result<std::vector<mask_array>> generate_masks(std::size_t n, std::uint64_t seed) {
    std::vector<mask_array> masks(n);
    status s = detail::to_status(wsaccept_generate_masks(
        n == 0 ? nullptr : masks.front().data(), n, seed));
    if (s != status::ok) return s;
    return masks;
}

/// Writes the 101 response into buf[0..len); returns its length. `protocol` empty = none.
inline result<std::size_t> write_response(std::string_view key, std::string_view protocol,
                                          char *buf, std::size_t len,
                                          mode m = mode::strict) noexcept {
    return detail::count(wsaccept_write_response(key.data(), key.size(), protocol.data(),
                                                 protocol.size(), static_cast<int>(m), buf, len));
}

/// The 101 response as a std::string.
inline result<std::string> response(std::string_view key, std::string_view protocol = {},
                                    mode m = mode::strict) {
    std::string out(WSACCEPT_RESPONSE_LEN + WSACCEPT_PROTOCOL_HEADER_OVERHEAD + protocol.size(),
                    '\0');
    auto r = write_response(key, protocol, out.data(), out.size(), m);
    if (!r) return r.code();
    out.resize(*r);
    return out;
}

/// The server's opening handshake (RFC 6455 §4.2). A `server` owns one configuration (made
/// once, shared read-only by any number of threads); each connection keeps a `connection`
/// (its state and header slots, no allocation per call) and calls `server::handshake` with
/// everything read so far, until the result is not `need_more`:
///
///   wsaccept::server srv = std::move(wsaccept::server::make(opts)).value();
///   wsaccept::connection conn(srv);
///   auto r = srv.handshake(conn, buf, len, out, out_len);   // result<wsaccept_handshake_result>
///   if (r && r->outcome != WSACCEPT_HANDSHAKE_NEED_MORE) send(out, r->response_len);
class connection;

class server {
  public:
    /// Builds a configuration; a zero-initialised `wsaccept_server_options` means defaults.
    static result<server> make(const wsaccept_server_options &options = {}) noexcept {
        wsaccept_server *raw = nullptr;
        int rc = wsaccept_server_new(&options, &raw);
        if (rc != WSACCEPT_OK) return detail::to_status(rc);
        return server(raw);
    }

    server() noexcept = default;
    server(server &&other) noexcept : raw_(std::exchange(other.raw_, nullptr)) {}
    server &operator=(server &&other) noexcept {
        if (this != &other) {
            wsaccept_server_free(raw_);
            raw_ = std::exchange(other.raw_, nullptr);
        }
        return *this;
    }
    server(const server &) = delete;
    server &operator=(const server &) = delete;
    ~server() { wsaccept_server_free(raw_); }

    const wsaccept_server *get() const noexcept { return raw_; }

    /// A response buffer of this length is always enough.
    std::size_t response_buf_len() const noexcept {
        std::int64_t n = wsaccept_server_response_buf_len(raw_);
        return n < 0 ? 0 : static_cast<std::size_t>(n);
    }

    /// One call per read: `buf[0..len)` is everything read on the connection so far.
    inline result<wsaccept_handshake_result> handshake(connection &conn, const char *buf,
                                                       std::size_t len, char *out,
                                                       std::size_t out_len) const noexcept;

    /// The complete heads of many connections in one call; each job gets its status/result.
    result<std::size_t> handshake_batch(wsaccept_handshake_job *jobs, std::size_t n) const noexcept {
        std::array<wsaccept_header_slot, WSACCEPT_DEFAULT_MAX_HEADERS> slots{};
        int rc = wsaccept_server_handshake_batch(raw_, jobs, n, slots.data(), slots.size());
        if (rc != WSACCEPT_OK) return detail::to_status(rc);
        return n;
    }

  private:
    explicit server(wsaccept_server *raw) noexcept : raw_(raw) {}
    wsaccept_server *raw_ = nullptr;
};

/// One connection's handshake state and header slots (fixed size, no allocation).
class connection {
  public:
    explicit connection(const server &srv) noexcept { reset(srv); }
    /// Ready for a new handshake (a new connection in the same slot).
    void reset(const server &srv) noexcept { wsaccept_server_conn_init(srv.get(), &state_); }

  private:
    friend class server;
    wsaccept_server_conn state_{};
    std::array<wsaccept_header_slot, WSACCEPT_DEFAULT_MAX_HEADERS> slots_{};
};

inline result<wsaccept_handshake_result> server::handshake(connection &conn, const char *buf,
                                                           std::size_t len, char *out,
                                                           std::size_t out_len) const noexcept {
    wsaccept_handshake_result r{};
    int rc = wsaccept_server_handshake(raw_, &conn.state_, buf, len, conn.slots_.data(),
                                       conn.slots_.size(), out, out_len, &r);
    if (rc != WSACCEPT_OK) return detail::to_status(rc);
    return r;
}

/// The text of a refusal reason (`wsaccept_handshake_result::reason`).
inline std::string_view reason_text(int reason) noexcept { return wsaccept_reason_text(reason); }

}  // namespace wsaccept

#endif  // C++17
#endif  // WSACCEPT_HPP
