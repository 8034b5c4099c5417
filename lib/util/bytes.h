// Big-endian and little-endian integer access on byte buffers, as RTMP, AMF and FLV need them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace util {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline std::uint32_t read_be16(const std::uint8_t* p) { return (std::uint32_t(p[0]) << 8) | p[1]; }
inline std::uint32_t read_be24(const std::uint8_t* p) {
    return (std::uint32_t(p[0]) << 16) | (std::uint32_t(p[1]) << 8) | p[2];
}
inline std::uint32_t read_be32(const std::uint8_t* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           p[3];
}
inline std::uint32_t read_le32(const std::uint8_t* p) {
    return (std::uint32_t(p[3]) << 24) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[1]) << 8) |
           p[0];
}

inline void put_be16(std::uint8_t* p, std::uint32_t v) {
    p[0] = std::uint8_t(v >> 8);
    p[1] = std::uint8_t(v);
}
inline void put_be24(std::uint8_t* p, std::uint32_t v) {
    p[0] = std::uint8_t(v >> 16);
    p[1] = std::uint8_t(v >> 8);
    p[2] = std::uint8_t(v);
}
inline void put_be32(std::uint8_t* p, std::uint32_t v) {
    p[0] = std::uint8_t(v >> 24);
    p[1] = std::uint8_t(v >> 16);
    p[2] = std::uint8_t(v >> 8);
    p[3] = std::uint8_t(v);
}
inline void put_le32(std::uint8_t* p, std::uint32_t v) {
    p[0] = std::uint8_t(v);
    p[1] = std::uint8_t(v >> 8);
    p[2] = std::uint8_t(v >> 16);
    p[3] = std::uint8_t(v >> 24);
}

inline void append_be16(Bytes& out, std::uint32_t v) {
    out.push_back(std::uint8_t(v >> 8));
    out.push_back(std::uint8_t(v));
}
inline void append_be24(Bytes& out, std::uint32_t v) {
    out.push_back(std::uint8_t(v >> 16));
    out.push_back(std::uint8_t(v >> 8));
    out.push_back(std::uint8_t(v));
}
inline void append_be32(Bytes& out, std::uint32_t v) {
    out.push_back(std::uint8_t(v >> 24));
    out.push_back(std::uint8_t(v >> 16));
    out.push_back(std::uint8_t(v >> 8));
    out.push_back(std::uint8_t(v));
}
inline void append_le32(Bytes& out, std::uint32_t v) {
    out.push_back(std::uint8_t(v));
    out.push_back(std::uint8_t(v >> 8));
    out.push_back(std::uint8_t(v >> 16));
    out.push_back(std::uint8_t(v >> 24));
}

// Reads forward through a buffer without ever reading past its end: every getter reports
// whether enough bytes were there. Decoders of peer input use this instead of raw pointers.
class Reader {
public:
    explicit Reader(ByteView data) : data_(data) {}
    std::size_t remaining() const { return data_.size() - pos_; }
    std::size_t position() const { return pos_; }
    bool empty() const { return remaining() == 0; }
    ByteView rest() const { return data_.subspan(pos_); }

    bool u8(std::uint8_t& v) {
        if (remaining() < 1) return false;
        v = data_[pos_++];
        return true;
    }
    bool be16(std::uint32_t& v) { return fixed(2, v, read_be16); }
    bool be24(std::uint32_t& v) { return fixed(3, v, read_be24); }
    bool be32(std::uint32_t& v) { return fixed(4, v, read_be32); }
    // An IEEE 754 double in network byte order (AMF numbers and dates).
    bool be_double(double& v) {
        std::uint32_t hi, lo;
        if (remaining() < 8 || !be32(hi) || !be32(lo)) return false;
        const std::uint64_t bits = (std::uint64_t(hi) << 32) | lo;
        std::memcpy(&v, &bits, sizeof v);
        return true;
    }
    bool bytes(std::size_t n, ByteView& out) {
        if (remaining() < n) return false;
        out = data_.subspan(pos_, n);
        pos_ += n;
        return true;
    }
    bool skip(std::size_t n) {
        if (remaining() < n) return false;
        pos_ += n;
        return true;
    }

private:
    template <class F>
    bool fixed(std::size_t n, std::uint32_t& v, F read) {
        if (remaining() < n) return false;
        v = read(data_.data() + pos_);
        pos_ += n;
        return true;
    }
    ByteView data_;
    std::size_t pos_ = 0;
};

}  // namespace util
