// A consumer of the installed C++ wrapper, next to POSIX's key_t under `using namespace`.
#include <sys/types.h>

#include <cstdio>
#include <string_view>

#include <wsaccept.hpp>

using namespace wsaccept;

int main() {
    constexpr std::string_view want = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    key_t posix_key = 0;  // <sys/types.h>'s, unambiguous next to wsaccept::key_array
    key_array slot{};
    std::string_view("dGhlIHNhbXBsZSBub25jZQ==").copy(slot.data(), slot.size());
    auto r = accept(std::string_view(slot.data(), slot.size()));
    if (!r || std::string_view(r->data(), r->size()) != want) {
        std::fprintf(stderr, "wrong accept: %s\n", r ? "mismatch" : r.message());
        return 1;
    }
    std::printf("ok C++ wsaccept %s (key_t is %zu bytes)\n", wsaccept_version(), sizeof posix_key);
    return 0;
}
