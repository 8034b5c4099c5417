// AMF0 encoding and decoding (with the AMF3 subset that may appear inside AMF0 after 0x11).
// Decoding is bounded: nesting depth, number of values and string bytes are capped, so a
// hostile payload can neither recurse deeply nor make us allocate what it declares.
#pragma once

#include <cstddef>
#include <vector>

#include "rtmp/amf_value.h"
#include "util/bytes.h"
#include "util/result.h"

namespace rtmp::amf {

enum class AmfErrc {
    Truncated,            // the payload ends inside a value (or declares more than it holds)
    UnknownMarker,        // a type marker that AMF0 does not define or we do not read (movieclip,
                          // recordset)
    UnexpectedObjectEnd,  // 0x09 where a value was expected
    TooDeep,              // containers nested deeper than DecodeLimits::max_depth
    TooLarge,             // more values or string bytes than DecodeLimits allows
    BadReference,         // 0x07 to an index we do not have, or to an object still being decoded
    UnsupportedAmf3,      // an AMF3 type we do not read (xml, byte array, vectors, dictionary,
                          // externalizable objects, AMF3 object references)
    ReferencesTooLarge,   // references (AMF0 0x07, AMF3 string and traits references) would
                          // expand the data past kReferenceExpansion times its size
};
const char* to_string(AmfErrc code);

struct DecodeLimits {
    int max_depth = 32;  // containers inside containers; clamped to 256 whatever is asked
    std::size_t max_elements = 65536;         // values decoded in total, references included
    std::size_t max_string_bytes = 16 << 20;  // string and key bytes decoded in total
};

// What resolving references may cost, in bytes (an AMF value counts as sizeof(Value), a string
// as its length): kReferenceExpansion times the input size, plus kReferenceExpansionFloor. A few
// bytes of reference would otherwise copy a large object again and again: a 14 KB command
// could cost the whole 16 MiB string budget in allocation and copying.
inline constexpr std::size_t kReferenceExpansion = 8;
inline constexpr std::size_t kReferenceExpansionFloor = 64 * 1024;

// Every value in `data`, in order. AMF0 reference markers (0x07) are resolved to a copy of the
// earlier object, array or ECMA array (the first 1024 of them are indexed); the copies count
// against the limits, and all references together against the expansion bound above. AMF3 values after the 0x11 marker: undefined, null, booleans, integer,
// double, string (with its reference table), date, array, anonymous/sealed/dynamic object
// (with the traits table); each 0x11 starts fresh AMF3 reference tables.
util::Result<std::vector<Value>, AmfErrc> decode_all(util::ByteView data,
                                                     const DecodeLimits& limits = {});

// AMF0 encoding. Strings longer than 65535 bytes use the long-string marker (0x0C); object keys
// longer than 65535 bytes (which AMF0 cannot carry) are cut to 65535 bytes.
void encode(const Value& value, util::Bytes& out);
util::Bytes encode(const Value& value);

}  // namespace rtmp::amf
