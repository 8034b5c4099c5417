// AMF0 encoding of a Value tree, byte-for-byte what Flash-era encoders produce.
#include <algorithm>
#include <cstring>

#include "rtmp/amf0.h"

namespace rtmp::amf {

namespace {

void put_double(util::Bytes& out, double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    util::append_be32(out, std::uint32_t(bits >> 32));
    util::append_be32(out, std::uint32_t(bits));
}

// A key, or a short string's body: u16 length then bytes, cut to what u16 can say.
void put_short_string(util::Bytes& out, const std::string& s) {
    std::size_t len = std::min<std::size_t>(s.size(), 0xFFFF);
    util::append_be16(out, std::uint32_t(len));
    out.insert(out.end(), s.begin(), s.begin() + std::ptrdiff_t(len));
}

void put_properties(util::Bytes& out, const Properties& props) {
    for (const auto& [key, value] : props) {
        put_short_string(out, key);
        encode(value, out);
    }
    out.insert(out.end(), {0x00, 0x00, 0x09});
}

}  // namespace

void encode(const Value& value, util::Bytes& out) {
    switch (value.type()) {
        case Type::Number:
            out.push_back(0x00);
            put_double(out, value.as_number());
            return;
        case Type::Boolean:
            out.push_back(0x01);
            out.push_back(value.as_bool() ? 1 : 0);
            return;
        case Type::String: {
            const std::string& s = value.as_string();
            if (s.size() <= 0xFFFF) {
                out.push_back(0x02);
                put_short_string(out, s);
            } else {
                out.push_back(0x0C);
                util::append_be32(out, std::uint32_t(s.size()));
                out.insert(out.end(), s.begin(), s.end());
            }
            return;
        }
        case Type::Object:
            out.push_back(0x03);
            put_properties(out, value.properties());
            return;
        case Type::Null:
            out.push_back(0x05);
            return;
        case Type::Undefined:
            out.push_back(0x06);
            return;
        case Type::EcmaArray:
            out.push_back(0x08);
            util::append_be32(out, std::uint32_t(value.properties().size()));
            put_properties(out, value.properties());
            return;
        case Type::StrictArray:
            out.push_back(0x0A);
            util::append_be32(out, std::uint32_t(value.elements().size()));
            for (const Value& e : value.elements()) encode(e, out);
            return;
        case Type::Date:
            out.push_back(0x0B);
            put_double(out, value.as_number());
            util::append_be16(out, std::uint16_t(value.timezone()));
            return;
    }
}

util::Bytes encode(const Value& value) {
    util::Bytes out;
    encode(value, out);
    return out;
}

}  // namespace rtmp::amf
