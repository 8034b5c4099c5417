// The AMF3 subset read inside AMF0 after the 0x11 marker (Flash with objectEncoding 3 puts
// call arguments there): scalars, strings, dates, arrays and plain objects. Byte arrays,
// XML, vectors, dictionaries, externalizable objects and object references are refused.
#include <cstring>

#include "rtmp/amf_decoder.h"

namespace rtmp::amf::detail {

namespace {

constexpr std::size_t kMaxTraits = 1024;

enum Amf3Marker : std::uint8_t {
    kUndefined = 0x00,
    kNull = 0x01,
    kFalse = 0x02,
    kTrue = 0x03,
    kInteger = 0x04,
    kDouble = 0x05,
    kString = 0x06,
    kXmlDoc = 0x07,
    kDate = 0x08,
    kArray = 0x09,
    kObject = 0x0A,
    kXml = 0x0B,
    kByteArray = 0x0C,
};

}  // namespace

void Decoder::reset_amf3_tables() {
    amf3_strings_.clear();
    amf3_traits_.clear();
}

// U29: up to 4 bytes, 7 bits each with a continuation flag, the 4th byte contributes 8 bits.
bool Decoder::amf3_u29(util::Reader& r, std::uint32_t& v) {
    v = 0;
    for (int i = 0; i < 4; ++i) {
        std::uint8_t b;
        if (!r.u8(b)) return fail(AmfErrc::Truncated);
        if (i == 3) {
            v = (v << 8) | b;
            return true;
        }
        v = (v << 7) | (b & 0x7F);
        if (!(b & 0x80)) return true;
    }
    return true;
}

bool Decoder::amf3_string(util::Reader& r, std::string& out) {
    std::uint32_t head;
    if (!amf3_u29(r, head)) return false;
    if (!(head & 1)) {  // a reference into this switch's string table
        std::uint32_t index = head >> 1;
        if (index >= amf3_strings_.size()) return fail(AmfErrc::BadReference);
        // A copy made from a byte or two of input: an expansion (unless already counted as a
        // replayed string).
        if (!replaying() && !count_expansion(amf3_strings_[index].size())) return false;
        if (!count_string_bytes(amf3_strings_[index].size())) return false;
        out = amf3_strings_[index];
        return true;
    }
    std::uint32_t len = head >> 1;
    util::ByteView bytes;
    if (!r.bytes(len, bytes)) return fail(AmfErrc::Truncated);
    if (!count_string_bytes(len)) return false;
    out.assign(bytes.begin(), bytes.end());
    if (!out.empty()) amf3_strings_.push_back(out);  // bounded by the string byte budget
    return true;
}

// Dense elements with no associative part read as a strict array; otherwise an ECMA array with
// the associative pairs first and the dense elements under the keys "0", "1", ...
bool Decoder::amf3_array(util::Reader& r, int depth, Value& out) {
    if (!enter(depth)) return false;
    std::uint32_t head;
    if (!amf3_u29(r, head)) return false;
    if (!(head & 1)) return fail(AmfErrc::UnsupportedAmf3);  // object reference
    std::uint32_t dense = head >> 1;
    Properties assoc;
    for (;;) {
        std::string key;
        if (!amf3_string(r, key)) return false;
        if (key.empty()) break;
        Value v;
        if (!amf3_value(r, depth + 1, v)) return false;
        assoc.emplace_back(std::move(key), std::move(v));
    }
    if (dense > r.remaining()) return fail(AmfErrc::Truncated);  // >= 1 byte per element
    std::vector<Value> elements;
    for (std::uint32_t i = 0; i < dense; ++i) {
        Value v;
        if (!amf3_value(r, depth + 1, v)) return false;
        elements.push_back(std::move(v));
    }
    if (assoc.empty()) {
        out = Value::strict_array(std::move(elements));
        return true;
    }
    for (std::uint32_t i = 0; i < dense; ++i)
        assoc.emplace_back(std::to_string(i), std::move(elements[i]));
    out = Value::ecma_array(std::move(assoc));
    return true;
}

bool Decoder::amf3_object(util::Reader& r, int depth, Value& out) {
    if (!enter(depth)) return false;
    std::uint32_t head;
    if (!amf3_u29(r, head)) return false;
    if (!(head & 1)) return fail(AmfErrc::UnsupportedAmf3);  // object reference
    Amf3Traits traits;
    if (!(head & 2)) {  // traits reference
        std::uint32_t index = head >> 2;
        if (index >= amf3_traits_.size()) return fail(AmfErrc::BadReference);
        // The names of a traits reference are copied (and counted below as string bytes); the
        // list itself is an expansion.
        if (!count_expansion(amf3_traits_[index].sealed.size() * sizeof(std::string)))
            return false;
        traits = amf3_traits_[index];
    } else {
        if (head & 4) return fail(AmfErrc::UnsupportedAmf3);  // externalizable
        traits.dynamic = (head & 8) != 0;
        std::uint32_t sealed = head >> 4;
        std::string class_name;  // dropped, as for AMF0 typed objects
        if (!amf3_string(r, class_name)) return false;
        if (sealed > r.remaining()) return fail(AmfErrc::Truncated);  // >= 1 byte per name
        for (std::uint32_t i = 0; i < sealed; ++i) {
            std::string name;
            if (!amf3_string(r, name)) return false;
            traits.sealed.push_back(std::move(name));
        }
        if (amf3_traits_.size() < kMaxTraits) amf3_traits_.push_back(traits);
    }
    Properties props;
    for (const std::string& name : traits.sealed) {
        if (!count_string_bytes(name.size())) return false;
        if (!(head & 2) && !replaying() && !count_expansion(name.size())) return false;
        Value v;
        if (!amf3_value(r, depth + 1, v)) return false;
        props.emplace_back(name, std::move(v));
    }
    while (traits.dynamic) {
        std::string key;
        if (!amf3_string(r, key)) return false;
        if (key.empty()) break;
        Value v;
        if (!amf3_value(r, depth + 1, v)) return false;
        props.emplace_back(std::move(key), std::move(v));
    }
    out = Value::object(std::move(props));
    return true;
}

bool Decoder::amf3_value(util::Reader& r, int depth, Value& out) {
    std::uint8_t marker;
    if (!r.u8(marker)) return fail(AmfErrc::Truncated);
    if (!count_element()) return false;
    switch (marker) {
        case kUndefined:
            out = Value::undefined();
            return true;
        case kNull:
            out = Value::null();
            return true;
        case kFalse:
            out = Value::boolean(false);
            return true;
        case kTrue:
            out = Value::boolean(true);
            return true;
        case kInteger: {
            std::uint32_t u;
            if (!amf3_u29(r, u)) return false;
            std::int32_t i = (u & 0x10000000) ? std::int32_t(u | 0xE0000000) : std::int32_t(u);
            out = Value::number(double(i));
            return true;
        }
        case kDouble: {
            double d;
            if (!r.be_double(d)) return fail(AmfErrc::Truncated);
            out = Value::number(d);
            return true;
        }
        case kString: {
            std::string s;
            if (!amf3_string(r, s)) return false;
            out = Value::string(std::move(s));
            return true;
        }
        case kDate: {
            std::uint32_t head;
            double ms;
            if (!amf3_u29(r, head)) return false;
            if (!(head & 1)) return fail(AmfErrc::UnsupportedAmf3);  // object reference
            if (!r.be_double(ms)) return fail(AmfErrc::Truncated);
            out = Value::date(ms);
            return true;
        }
        case kArray:
            return amf3_array(r, depth, out);
        case kObject:
            return amf3_object(r, depth, out);
        case kXmlDoc:
        case kXml:
        case kByteArray:
        default:
            return fail(AmfErrc::UnsupportedAmf3);
    }
}

}  // namespace rtmp::amf::detail
