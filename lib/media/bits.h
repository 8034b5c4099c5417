// Bit-level reader (MSB first, bounds-checked, with Exp-Golomb codes) and writer, for the codec
// headers (SPS, AudioSpecificConfig) and silent frames that are not byte-aligned.
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/bytes.h"

namespace media {

// Reading past the end never touches memory: it returns zeros and sets overrun(), which the
// parser checks once at the points where it matters.
class BitReader {
public:
    explicit BitReader(util::ByteView data) : data_(data) {}

    std::uint32_t bits(unsigned n);  // n <= 32
    bool flag() { return bits(1) != 0; }
    void skip(std::size_t n);
    // Exp-Golomb (H.264 7.2 ue(v)/se(v)); codes longer than 32 bits set overrun() and give 0.
    std::uint32_t ue();
    std::int32_t se();

    bool overrun() const { return overrun_; }
    std::size_t bits_left() const { return data_.size() * 8 - pos_; }
    std::size_t position() const { return pos_; }

private:
    util::ByteView data_;
    std::size_t pos_ = 0;
    bool overrun_ = false;
};

class BitWriter {
public:
    void put(std::uint32_t value, unsigned n);  // the low n bits of value, n <= 32
    std::size_t bit_count() const { return count_; }
    // Pads the last byte with `pad_bit` and returns the bytes written.
    util::Bytes finish(bool pad_bit = false);

private:
    util::Bytes out_;
    std::size_t count_ = 0;
};

}  // namespace media
