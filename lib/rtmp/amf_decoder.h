// Internal to the AMF decoders (amf0_decode.cpp, amf3_decode.cpp): the state of one decode_all
// call, its budgets and reference tables. Not part of the public API.
#pragma once

#include <string>
#include <vector>

#include "rtmp/amf0.h"

namespace rtmp::amf::detail {

class Decoder {
  public:
    Decoder(util::ByteView data, const DecodeLimits& limits);

    // One AMF0 value. `depth` is the number of containers around it. On failure `error` is set.
    bool amf0_value(util::Reader& r, int depth, Value& out);
    // One AMF3 value (after the 0x11 marker), with the AMF3 tables of the current switch.
    bool amf3_value(util::Reader& r, int depth, Value& out);
    void reset_amf3_tables();

    bool fail(AmfErrc code);
    bool count_element();
    bool count_string_bytes(std::size_t n);
    bool enter(int depth);  // checks that a container at `depth` may open children
    // Bytes a reference costs beyond its own input (see kReferenceExpansion).
    bool count_expansion(std::size_t bytes);
    bool replaying() const { return replaying_ > 0; }

    AmfErrc error = AmfErrc::Truncated;

  private:
    struct RefEntry {
        std::size_t offset;
        bool complete;
    };
    struct Amf3Traits {
        std::vector<std::string> sealed;
        bool dynamic;
    };

    bool amf0_string(util::Reader& r, bool long_form, std::string& out);
    bool amf0_properties(util::Reader& r, int depth, Properties& props, bool is_ecma,
                         std::uint32_t declared_count);
    bool amf0_reference(util::Reader& r, int depth, Value& out);
    int register_ref(std::size_t offset);
    void complete_ref(int index);

    bool amf3_u29(util::Reader& r, std::uint32_t& v);
    bool amf3_string(util::Reader& r, std::string& out);
    bool amf3_array(util::Reader& r, int depth, Value& out);
    bool amf3_object(util::Reader& r, int depth, Value& out);

    util::ByteView data_;
    DecodeLimits limits_;
    int max_depth_;
    std::size_t elements_ = 0;
    std::size_t string_bytes_ = 0;
    std::size_t expansion_ = 0;
    std::size_t max_expansion_;
    int replaying_ = 0;  // > 0 while a reference is re-decoded: the table is not extended then
    std::vector<RefEntry> refs_;
    std::vector<std::string> amf3_strings_;
    std::vector<Amf3Traits> amf3_traits_;
};

}  // namespace rtmp::amf::detail
