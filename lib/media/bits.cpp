// BitReader / BitWriter (see bits.h).
#include "media/bits.h"

namespace media {

std::uint32_t BitReader::bits(unsigned n) {
    if (n == 0) return 0;
    if (n > 32 || bits_left() < n) {
        overrun_ = true;
        pos_ = data_.size() * 8;
        return 0;
    }
    std::uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i, ++pos_) {
        v = (v << 1) | ((data_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1u);
    }
    return v;
}

void BitReader::skip(std::size_t n) {
    if (bits_left() < n) {
        overrun_ = true;
        pos_ = data_.size() * 8;
        return;
    }
    pos_ += n;
}

std::uint32_t BitReader::ue() {
    unsigned zeros = 0;
    while (!flag()) {
        if (overrun_ || ++zeros > 31) {
            overrun_ = true;
            return 0;
        }
    }
    if (zeros == 0) return 0;
    return std::uint32_t((std::uint64_t(1) << zeros) - 1 + bits(zeros));
}

std::int32_t BitReader::se() {
    std::uint32_t k = ue();
    // 1, 2, 3, 4 ... map to 1, -1, 2, -2 ...
    std::int64_t magnitude = (std::int64_t(k) + 1) / 2;
    return std::int32_t((k & 1) ? magnitude : -magnitude);
}

void BitWriter::put(std::uint32_t value, unsigned n) {
    for (unsigned i = n; i-- > 0;) {
        if ((count_ & 7) == 0) out_.push_back(0);
        if ((value >> i) & 1u) out_.back() |= std::uint8_t(0x80u >> (count_ & 7));
        ++count_;
    }
}

util::Bytes BitWriter::finish(bool pad_bit) {
    while (count_ & 7) put(pad_bit ? 1 : 0, 1);
    return out_;
}

}  // namespace media
