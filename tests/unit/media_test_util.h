// Helpers shared by the media unit tests: fixture loading and split-feeding of decoders.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/bytes.h"

namespace media_test {

// The repository root: $RTMPKIT_ROOT, else derived from this file's path (tests/unit/...),
// which is relative to the root when the Makefile compiles from there.
inline std::string repo_root() {
    if (const char* env = std::getenv("RTMPKIT_ROOT")) return env;
    std::string here = __FILE__;
    auto pos = here.rfind("tests/unit/");
    return pos == std::string::npos ? "." : (pos == 0 ? "." : here.substr(0, pos - 1));
}

inline util::Bytes read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    return util::Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline util::Bytes fixture(const std::string& name) {
    return read_file(repo_root() + "/tests/fixtures/" + name);
}
inline util::Bytes unit_data(const std::string& name) {
    return read_file(repo_root() + "/tests/unit/data/" + name);
}

// Cut points for feeding `size` bytes in random pieces (1..max_piece bytes), reproducibly.
inline std::vector<std::size_t> random_pieces(std::size_t size, std::uint32_t seed,
                                              std::size_t max_piece = 97) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::size_t> len(1, max_piece);
    std::vector<std::size_t> pieces;
    for (std::size_t done = 0; done < size;) {
        std::size_t n = std::min(len(rng), size - done);
        pieces.push_back(n);
        done += n;
    }
    return pieces;
}

inline util::Bytes hex(const std::string& text) {
    util::Bytes out;
    int hi = -1;
    for (char c : text) {
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else continue;
        if (hi < 0) hi = v;
        else { out.push_back(std::uint8_t(hi << 4 | v)); hi = -1; }
    }
    return out;
}

}  // namespace media_test
