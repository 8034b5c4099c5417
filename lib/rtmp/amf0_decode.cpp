// AMF0 decoding: markers, strings, objects, arrays, references, with the budgets of
// DecodeLimits. Recursion depth is bounded by max_depth (itself clamped), never by the input.
#include <algorithm>
#include <cstring>

#include "rtmp/amf0.h"
#include "rtmp/amf_decoder.h"

namespace rtmp::amf {

namespace {

constexpr int kDepthCeiling = 256;            // whatever the caller asks, the stack stays small
constexpr std::size_t kMaxReferences = 1024;  // AMF0 objects indexed for 0x07

enum Marker : std::uint8_t {
    kNumber = 0x00,
    kBoolean = 0x01,
    kString = 0x02,
    kObject = 0x03,
    kMovieClip = 0x04,
    kNull = 0x05,
    kUndefined = 0x06,
    kReference = 0x07,
    kEcmaArray = 0x08,
    kObjectEnd = 0x09,
    kStrictArray = 0x0A,
    kDate = 0x0B,
    kLongString = 0x0C,
    kUnsupported = 0x0D,
    kRecordSet = 0x0E,
    kXmlDocument = 0x0F,
    kTypedObject = 0x10,
    kAvmPlus = 0x11,
};

}  // namespace

const char* to_string(AmfErrc code) {
    switch (code) {
        case AmfErrc::Truncated:
            return "AMF data truncated";
        case AmfErrc::UnknownMarker:
            return "unknown AMF0 type marker";
        case AmfErrc::UnexpectedObjectEnd:
            return "AMF0 object end where a value was expected";
        case AmfErrc::TooDeep:
            return "AMF values nested too deeply";
        case AmfErrc::TooLarge:
            return "AMF data exceeds the decoding limits";
        case AmfErrc::BadReference:
            return "AMF reference to an unknown object";
        case AmfErrc::UnsupportedAmf3:
            return "unsupported AMF3 type";
        case AmfErrc::ReferencesTooLarge:
            return "AMF references expand past 8 times the data size";
    }
    return "AMF error";
}

namespace detail {

Decoder::Decoder(util::ByteView data, const DecodeLimits& limits)
    : data_(data),
      limits_(limits),
      max_depth_(std::clamp(limits.max_depth, 0, kDepthCeiling)),
      max_expansion_(kReferenceExpansion * data.size() + kReferenceExpansionFloor) {}

bool Decoder::count_expansion(std::size_t bytes) {
    expansion_ += bytes;
    return expansion_ <= max_expansion_ || fail(AmfErrc::ReferencesTooLarge);
}

bool Decoder::fail(AmfErrc code) {
    error = code;
    return false;
}

bool Decoder::count_element() {
    if (replaying_ > 0 && !count_expansion(sizeof(Value))) return false;
    return ++elements_ <= limits_.max_elements || fail(AmfErrc::TooLarge);
}

bool Decoder::count_string_bytes(std::size_t n) {
    if (replaying_ > 0 && !count_expansion(n)) return false;
    string_bytes_ += n;
    return string_bytes_ <= limits_.max_string_bytes || fail(AmfErrc::TooLarge);
}

bool Decoder::enter(int depth) { return depth < max_depth_ || fail(AmfErrc::TooDeep); }

int Decoder::register_ref(std::size_t offset) {
    if (replaying_ > 0 || refs_.size() >= kMaxReferences) return -1;
    refs_.push_back({offset, false});
    return int(refs_.size() - 1);
}

void Decoder::complete_ref(int index) {
    if (index >= 0) refs_[std::size_t(index)].complete = true;
}

bool Decoder::amf0_string(util::Reader& r, bool long_form, std::string& out) {
    std::uint32_t len;
    if (!(long_form ? r.be32(len) : r.be16(len))) return fail(AmfErrc::Truncated);
    util::ByteView bytes;
    if (!r.bytes(len, bytes)) return fail(AmfErrc::Truncated);  // checked before allocating
    if (!count_string_bytes(len)) return false;
    out.assign(bytes.begin(), bytes.end());
    return true;
}

// Key/value pairs up to the 00 00 09 end marker. For an ECMA array whose declared count has been
// read, a payload that simply ends there (no end marker) is accepted: some encoders omit it.
bool Decoder::amf0_properties(util::Reader& r, int depth, Properties& props, bool is_ecma,
                              std::uint32_t declared_count) {
    for (;;) {
        if (is_ecma && r.empty() && props.size() >= declared_count) return true;
        std::string key;
        if (!amf0_string(r, false, key)) return false;
        if (key.empty()) {
            if (r.empty()) return fail(AmfErrc::Truncated);
            if (r.rest()[0] == kObjectEnd) {
                r.skip(1);
                return true;
            }
            // An empty key that is not followed by the end marker is an odd but legal key.
        }
        Value v;
        if (!amf0_value(r, depth + 1, v)) return false;
        props.emplace_back(std::move(key), std::move(v));
    }
}

// 0x07: re-decode the referenced object from where it started. The copy counts against the
// budgets like any other value, so reference chains cannot blow up time or memory.
bool Decoder::amf0_reference(util::Reader& r, int depth, Value& out) {
    std::uint32_t index;
    if (!r.be16(index)) return fail(AmfErrc::Truncated);
    if (index >= refs_.size() || !refs_[index].complete) return fail(AmfErrc::BadReference);
    util::Reader replay(data_.subspan(refs_[index].offset));
    ++replaying_;
    bool ok = amf0_value(replay, depth, out);
    --replaying_;
    return ok;
}

bool Decoder::amf0_value(util::Reader& r, int depth, Value& out) {
    std::size_t offset = r.position();
    std::uint8_t marker;
    if (!r.u8(marker)) return fail(AmfErrc::Truncated);
    if (!count_element()) return false;
    switch (marker) {
        case kNumber: {
            double d;
            if (!r.be_double(d)) return fail(AmfErrc::Truncated);
            out = Value::number(d);
            return true;
        }
        case kBoolean: {
            std::uint8_t b;
            if (!r.u8(b)) return fail(AmfErrc::Truncated);
            out = Value::boolean(b != 0);
            return true;
        }
        case kString:
        case kLongString:
        case kXmlDocument: {
            std::string s;
            if (!amf0_string(r, marker != kString, s)) return false;
            out = Value::string(std::move(s));
            return true;
        }
        case kNull:
            out = Value::null();
            return true;
        case kUndefined:
        case kUnsupported:
            out = Value::undefined();
            return true;
        case kReference:
            return amf0_reference(r, depth, out);
        case kObject:
        case kTypedObject:
        case kEcmaArray: {
            if (!enter(depth)) return false;
            std::uint32_t count = 0;
            if (marker == kTypedObject) {
                std::string class_name;  // dropped: a typed object reads as a plain object
                if (!amf0_string(r, false, class_name)) return false;
            }
            if (marker == kEcmaArray && !r.be32(count)) return fail(AmfErrc::Truncated);
            int ref = register_ref(offset);
            Properties props;
            if (!amf0_properties(r, depth, props, marker == kEcmaArray, count)) return false;
            complete_ref(ref);
            out = marker == kEcmaArray ? Value::ecma_array(std::move(props))
                                       : Value::object(std::move(props));
            return true;
        }
        case kStrictArray: {
            if (!enter(depth)) return false;
            std::uint32_t count;
            if (!r.be32(count)) return fail(AmfErrc::Truncated);
            if (count > r.remaining()) return fail(AmfErrc::Truncated);  // >= 1 byte each
            int ref = register_ref(offset);
            std::vector<Value> elements;
            elements.reserve(std::min<std::size_t>(count, 4096));  // grows as values arrive
            for (std::uint32_t i = 0; i < count; ++i) {
                Value v;
                if (!amf0_value(r, depth + 1, v)) return false;
                elements.push_back(std::move(v));
            }
            complete_ref(ref);
            out = Value::strict_array(std::move(elements));
            return true;
        }
        case kDate: {
            double ms;
            std::uint32_t tz;
            if (!r.be_double(ms) || !r.be16(tz)) return fail(AmfErrc::Truncated);
            out = Value::date(ms, std::int16_t(std::uint16_t(tz)));
            return true;
        }
        case kAvmPlus:
            reset_amf3_tables();
            return amf3_value(r, depth, out);
        case kObjectEnd:
            return fail(AmfErrc::UnexpectedObjectEnd);
        case kMovieClip:
        case kRecordSet:
        default:
            return fail(AmfErrc::UnknownMarker);
    }
}

}  // namespace detail

util::Result<std::vector<Value>, AmfErrc> decode_all(util::ByteView data,
                                                     const DecodeLimits& limits) {
    detail::Decoder decoder(data, limits);
    util::Reader r(data);
    std::vector<Value> values;
    while (!r.empty()) {
        Value v;
        if (!decoder.amf0_value(r, 0, v))
            return util::Error<AmfErrc>{decoder.error, to_string(decoder.error)};
        values.push_back(std::move(v));
    }
    return values;
}

}  // namespace rtmp::amf
