// AMF0 (and the AMF3-inside-AMF0 subset): byte-exact encodings, decoding of every marker,
// tolerance rules, every error code, hostile inputs and random round trips.
#include "rtmp/amf0.h"

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>
#include <string>

#include "rtmp/amf_json.h"

using rtmp::amf::AmfErrc;
using rtmp::amf::DecodeLimits;
using rtmp::amf::Properties;
using rtmp::amf::Type;
using rtmp::amf::Value;
using util::Bytes;

namespace {

// "02 00 03" style hex, spaces ignored; 'text' in single quotes is inserted as ASCII bytes.
Bytes hex(const std::string& s) {
    Bytes out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == ' ') continue;
        if (s[i] == '\'') {
            std::size_t end = s.find('\'', i + 1);
            out.insert(out.end(), s.begin() + long(i) + 1, s.begin() + long(end));
            i = end;
            continue;
        }
        out.push_back(std::uint8_t(std::stoi(s.substr(i, 2), nullptr, 16)));
        ++i;
    }
    return out;
}

std::vector<Value> decode_ok(const Bytes& b, const DecodeLimits& limits = {}) {
    auto r = rtmp::amf::decode_all(b, limits);
    BOOST_REQUIRE_MESSAGE(r.ok(), "decode failed: " << (r.ok() ? "" : r.error().message));
    return *r;
}

Value decode_one(const Bytes& b) {
    auto values = decode_ok(b);
    BOOST_REQUIRE_EQUAL(values.size(), 1u);
    return values[0];
}

AmfErrc decode_err(const Bytes& b, const DecodeLimits& limits = {}) {
    auto r = rtmp::amf::decode_all(b, limits);
    BOOST_REQUIRE_MESSAGE(!r.ok(), "decode unexpectedly succeeded");
    return r.error().code;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(amf0_encoding)

BOOST_AUTO_TEST_CASE(scalars_are_byte_exact) {
    BOOST_TEST(rtmp::amf::encode(Value::number(1.0)) == hex("00 3FF0000000000000"));
    BOOST_TEST(rtmp::amf::encode(Value::number(-2.5)) == hex("00 C004000000000000"));
    BOOST_TEST(rtmp::amf::encode(Value::boolean(true)) == hex("01 01"));
    BOOST_TEST(rtmp::amf::encode(Value::boolean(false)) == hex("01 00"));
    BOOST_TEST(rtmp::amf::encode(Value::string("connect")) == hex("02 0007 'connect'"));
    BOOST_TEST(rtmp::amf::encode(Value::string("")) == hex("02 0000"));
    BOOST_TEST(rtmp::amf::encode(Value::null()) == hex("05"));
    BOOST_TEST(rtmp::amf::encode(Value::undefined()) == hex("06"));
    BOOST_TEST(rtmp::amf::encode(Value::date(1000.0, -60)) == hex("0B 408F400000000000 FFC4"));
}

BOOST_AUTO_TEST_CASE(long_strings_switch_marker_above_65535_bytes) {
    Bytes at_limit = rtmp::amf::encode(Value::string(std::string(65535, 'a')));
    BOOST_TEST(at_limit.size() == 3u + 65535u);
    BOOST_TEST(at_limit[0] == 0x02);
    BOOST_TEST(at_limit[1] == 0xFF);
    BOOST_TEST(at_limit[2] == 0xFF);
    Bytes over = rtmp::amf::encode(Value::string(std::string(65536, 'b')));
    BOOST_TEST(over.size() == 5u + 65536u);
    BOOST_TEST((Bytes(over.begin(), over.begin() + 5) == hex("0C 00010000")));
    BOOST_TEST(decode_one(over).as_string() == std::string(65536, 'b'));
}

BOOST_AUTO_TEST_CASE(containers_are_byte_exact) {
    Value obj = Value::object({{"a", Value::number(0)}, {"bc", Value::null()}});
    BOOST_TEST(rtmp::amf::encode(obj) ==
               hex("03 0001 'a' 00 0000000000000000 0002 'bc' 05 000009"));
    Value ecma = Value::ecma_array({{"x", Value::boolean(true)}});
    BOOST_TEST(rtmp::amf::encode(ecma) == hex("08 00000001 0001 'x' 01 01 000009"));
    Value arr = Value::strict_array({Value::null(), Value::string("s")});
    BOOST_TEST(rtmp::amf::encode(arr) == hex("0A 00000002 05 02 0001 's'"));
    BOOST_TEST(rtmp::amf::encode(Value::object()) == hex("03 000009"));
}

BOOST_AUTO_TEST_CASE(set_replaces_and_keeps_order) {
    Value v = Value::object();
    v.set("b", Value::number(1));
    v.set("a", Value::number(2));
    v.set("b", Value::number(3));
    BOOST_TEST(rtmp::amf::encode(v) ==
               hex("03 0001 'b' 00 4008000000000000 0001 'a' 00 4000000000000000 000009"));
    BOOST_TEST(v.get("a")->as_number() == 2.0);
    BOOST_TEST(v.get("zz") == nullptr);
    Value n = Value::number(5);  // set on a non-map turns it into an object
    n.set("k", Value::null());
    BOOST_TEST(n.is_object());
    BOOST_TEST(n.properties().size() == 1u);
}

BOOST_AUTO_TEST_CASE(accessors_of_wrong_type_are_neutral) {
    Value s = Value::string("x");
    BOOST_TEST(s.as_number() == 0.0);
    BOOST_TEST(!s.as_bool());
    BOOST_TEST(Value::number(1).as_string().empty());
    BOOST_TEST(s.get("x") == nullptr);
    BOOST_TEST(Value().is_null());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(amf0_decoding)

BOOST_AUTO_TEST_CASE(every_marker) {
    auto v =
        decode_ok(hex("00 4059000000000000  01 05  02 0002 'hi'  05 06  0D"
                      "0B 408F400000000000 FFC4  0C 00000003 'abc'  0F 00000002 '<a'"));
    BOOST_REQUIRE_EQUAL(v.size(), 9u);
    BOOST_TEST(v[0].as_number() == 100.0);
    BOOST_TEST(v[1].as_bool());  // any non-zero byte is true
    BOOST_TEST(v[2].as_string() == "hi");
    BOOST_TEST(v[3].is_null());
    BOOST_TEST(v[4].is_undefined());
    BOOST_TEST(v[5].is_undefined());  // 0x0D "unsupported" reads as undefined
    BOOST_TEST(v[6].is_date());
    BOOST_TEST(v[6].as_number() == 1000.0);
    BOOST_TEST(v[6].timezone() == -60);
    BOOST_TEST(v[7].as_string() == "abc");
    BOOST_TEST(v[8].as_string() == "<a");
}

BOOST_AUTO_TEST_CASE(objects_arrays_typed_objects) {
    Value o =
        decode_one(hex("03 0003 'app' 02 0004 'live' 0004 'list' 0A 00000001 00 3FF0000000000000"
                       " 000009"));
    BOOST_TEST(o.is_object());
    BOOST_TEST(o.get("app")->as_string() == "live");
    BOOST_TEST(o.get("list")->elements().at(0).as_number() == 1.0);

    Value t = decode_one(hex("10 0003 'Foo' 0001 'k' 05 000009"));
    BOOST_TEST(t.is_object());  // class name dropped
    BOOST_TEST(t.get("k")->is_null());

    // An empty key not followed by the end marker is an ordinary key.
    Value e = decode_one(hex("03 0000 05 000009"));
    BOOST_REQUIRE_EQUAL(e.properties().size(), 1u);
    BOOST_TEST(e.properties()[0].first.empty());
}

BOOST_AUTO_TEST_CASE(ecma_array_count_is_only_a_hint) {
    // Count 0 but two entries (common in onMetaData from real encoders).
    Value a = decode_one(hex("08 00000000 0001 'a' 05 0001 'b' 06 000009"));
    BOOST_TEST(a.is_ecma_array());
    BOOST_TEST(a.properties().size() == 2u);
    // End marker missing once the declared count is reached: accepted.
    Value b = decode_one(hex("08 00000001 0001 'a' 05"));
    BOOST_TEST(b.properties().size() == 1u);
    // Missing before the declared count: truncated.
    BOOST_TEST((decode_err(hex("08 00000002 0001 'a' 05")) == AmfErrc::Truncated));
}

BOOST_AUTO_TEST_CASE(references_resolve_to_copies) {
    // [obj, ref 0] and an object inside an array referenced later.
    auto v = decode_ok(hex("03 0001 'k' 02 0001 'v' 000009  07 0000"));
    BOOST_REQUIRE_EQUAL(v.size(), 2u);
    BOOST_TEST((v[0] == v[1]));
    // Index 0 = the strict array, index 1 = the object inside it.
    auto w = decode_ok(hex("0A 00000001 03 0001 'x' 05 000009  07 0001  07 0000"));
    BOOST_REQUIRE_EQUAL(w.size(), 3u);
    BOOST_TEST(w[1].is_object());
    BOOST_TEST((w[2] == w[0]));
}

BOOST_AUTO_TEST_CASE(bad_references) {
    BOOST_TEST((decode_err(hex("07 0000")) == AmfErrc::BadReference));
    BOOST_TEST((decode_err(hex("03 0001 'k' 05 000009 07 0001")) == AmfErrc::BadReference));
    // An object that references itself while still open would be a cycle.
    BOOST_TEST((decode_err(hex("03 0001 'k' 07 0000 000009")) == AmfErrc::BadReference));
    BOOST_TEST((decode_err(hex("07 00")) == AmfErrc::Truncated));
}

BOOST_AUTO_TEST_CASE(reference_chains_are_budgeted) {
    // Each level is an array of two references to the previous level: 2^n copies.
    Bytes b = hex("0A 00000001 05");
    for (int i = 0; i < 30; ++i) {
        Bytes level = hex("0A 00000002 07");
        util::append_be16(level, std::uint32_t(i));
        level.push_back(0x07);
        util::append_be16(level, std::uint32_t(i));
        b.insert(b.end(), level.begin(), level.end());
    }
    // Stopped by the reference expansion bound, long before the element budget.
    BOOST_TEST((decode_err(b) == AmfErrc::ReferencesTooLarge));
}

BOOST_AUTO_TEST_CASE(references_cost_a_small_multiple_of_the_input) {
    // A ~14 KB command: one object holding a 13 000-byte string, then references to it. Each
    // 3-byte reference would copy 13 KB: 300 of them, 3.9 MB, within the 16 MiB string budget.
    Bytes b = hex("03 0001 'k' 0C");
    util::append_be32(b, 13000);
    b.resize(b.size() + 13000, 'x');
    b.insert(b.end(), {0x00, 0x00, 0x09});
    while (b.size() < 14000) b.insert(b.end(), {0x07, 0x00, 0x00});
    BOOST_TEST((decode_err(b) == AmfErrc::ReferencesTooLarge));
    // A few references to it stay well within the bound.
    Bytes few(b.begin(), b.begin() + 13012 + 3 * 4);
    BOOST_TEST(decode_ok(few).size() == 5u);

    // AMF3: a 7 000-byte string, then 3 000 two-byte references to it in one array (21 MB).
    Bytes a = hex("11 09");
    const std::uint32_t dense = 3001;
    a.insert(a.end(), {std::uint8_t(0x80 | ((dense * 2 + 1) >> 7)), std::uint8_t((dense * 2 + 1) & 0x7F)});
    a.push_back(0x01);  // no associative part
    a.push_back(0x06);
    const std::uint32_t head = 7000 * 2 + 1;
    a.insert(a.end(), {std::uint8_t(0x80 | (head >> 7)), std::uint8_t(head & 0x7F)});
    a.resize(a.size() + 7000, 'y');
    for (int i = 0; i < 3000; ++i) a.insert(a.end(), {0x06, 0x00});
    BOOST_TEST((decode_err(a) == AmfErrc::ReferencesTooLarge));
}

BOOST_AUTO_TEST_CASE(nesting_bombs_fail_too_deep) {
    for (std::uint8_t marker : {0x0A, 0x03, 0x08}) {
        Bytes bomb;
        for (int i = 0; i < 200000; ++i) {
            bomb.push_back(marker);
            if (marker == 0x0A) util::append_be32(bomb, 1);
            if (marker == 0x08) util::append_be32(bomb, 1);
            if (marker != 0x0A) bomb.insert(bomb.end(), {0x00, 0x01, 'k'});
        }
        BOOST_TEST((decode_err(bomb) == AmfErrc::TooDeep));
        DecodeLimits huge;
        huge.max_depth = 1 << 30;  // clamped, so still no deep recursion
        BOOST_TEST((decode_err(bomb, huge) == AmfErrc::TooDeep));
    }
}

BOOST_AUTO_TEST_CASE(depth_limit_is_exact) {
    auto nested = [](int n) {
        Bytes b;
        for (int i = 0; i < n; ++i) {
            b.push_back(0x0A);
            util::append_be32(b, i + 1 < n ? 1 : 0);
        }
        return b;
    };
    DecodeLimits limits;
    limits.max_depth = 4;
    BOOST_TEST(decode_ok(nested(4), limits).size() == 1u);
    BOOST_TEST((decode_err(nested(5), limits) == AmfErrc::TooDeep));
    BOOST_TEST(decode_ok(nested(32)).size() == 1u);
    BOOST_TEST((decode_err(nested(33)) == AmfErrc::TooDeep));
}

BOOST_AUTO_TEST_CASE(huge_declared_lengths_fail_truncated) {
    BOOST_TEST((decode_err(hex("02 FFFF 'abc'")) == AmfErrc::Truncated));
    BOOST_TEST((decode_err(hex("0C FFFFFFFF 'abc'")) == AmfErrc::Truncated));
    BOOST_TEST((decode_err(hex("0F FFFFFFFF")) == AmfErrc::Truncated));
    BOOST_TEST((decode_err(hex("0A FFFFFFFF 05 05")) == AmfErrc::Truncated));
    BOOST_TEST((decode_err(hex("08 FFFFFFFF 0001 'a' 05")) == AmfErrc::Truncated));
    BOOST_TEST((decode_err(hex("03 FFFF 'k'")) == AmfErrc::Truncated));
}

BOOST_AUTO_TEST_CASE(every_proper_prefix_is_truncated) {
    Value v = Value::object({{"a", Value::strict_array({Value::number(1), Value::string("xy")})},
                             {"d", Value::date(5, 1)},
                             {"e", Value::ecma_array({{"q", Value::boolean(true)}})},
                             {"s", Value::string("long enough")}});
    Bytes b = rtmp::amf::encode(v);
    for (std::size_t n = 1; n < b.size(); ++n)
        BOOST_TEST((decode_err(Bytes(b.begin(), b.begin() + long(n))) == AmfErrc::Truncated),
                   "prefix " << n);
    BOOST_TEST((decode_one(b) == v));
}

BOOST_AUTO_TEST_CASE(unknown_markers_and_stray_object_end) {
    BOOST_TEST((decode_err(hex("04")) == AmfErrc::UnknownMarker));
    BOOST_TEST((decode_err(hex("0E")) == AmfErrc::UnknownMarker));
    BOOST_TEST((decode_err(hex("12")) == AmfErrc::UnknownMarker));
    BOOST_TEST((decode_err(hex("FF")) == AmfErrc::UnknownMarker));
    BOOST_TEST((decode_err(hex("05 09")) == AmfErrc::UnexpectedObjectEnd));
    BOOST_TEST((decode_err(hex("03 0001 'k' 09")) == AmfErrc::UnexpectedObjectEnd));
}

BOOST_AUTO_TEST_CASE(limits_on_elements_and_string_bytes) {
    DecodeLimits limits;
    limits.max_elements = 3;
    BOOST_TEST(decode_ok(hex("05 05 05"), limits).size() == 3u);
    BOOST_TEST((decode_err(hex("05 05 05 05"), limits) == AmfErrc::TooLarge));
    BOOST_TEST((decode_err(hex("0A 00000003 05 05 05"), limits) == AmfErrc::TooLarge));
    DecodeLimits bytes;
    bytes.max_string_bytes = 4;
    BOOST_TEST(decode_ok(hex("02 0002 'ab' 02 0002 'cd'"), bytes).size() == 2u);
    BOOST_TEST(
        (decode_err(hex("02 0002 'ab' 03 0003 'cde' 05 000009"), bytes) == AmfErrc::TooLarge));
}

BOOST_AUTO_TEST_CASE(empty_input_is_no_values) { BOOST_TEST(decode_ok({}).empty()); }

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(amf3_inside_amf0)

BOOST_AUTO_TEST_CASE(scalars) {
    auto v =
        decode_ok(hex("11 00  11 01  11 02  11 03  11 04 7F  11 04 FF FF FF FF"
                      "11 04 81 00  11 05 3FF8000000000000  11 08 01 408F400000000000"));
    BOOST_REQUIRE_EQUAL(v.size(), 9u);
    BOOST_TEST(v[0].is_undefined());
    BOOST_TEST(v[1].is_null());
    BOOST_TEST(v[2].is_bool());
    BOOST_TEST(!v[2].as_bool());
    BOOST_TEST(v[3].as_bool());
    BOOST_TEST(v[4].as_number() == 127.0);
    BOOST_TEST(v[5].as_number() == -1.0);  // 29-bit sign extension
    BOOST_TEST(v[6].as_number() == 128.0);
    BOOST_TEST(v[7].as_number() == 1.5);
    BOOST_TEST(v[8].is_date());
    BOOST_TEST(v[8].as_number() == 1000.0);
}

BOOST_AUTO_TEST_CASE(strings_and_their_reference_table) {
    // Object with dynamic keys "ab" (inline) then a value referencing string 0 ("ab").
    // 0A 0B = inline traits, dynamic, 0 sealed; 01 = empty class name.
    Value o = decode_one(hex("11 0A 0B 01  05 'ab' 06 05 'cd'  05 'ef' 06 00  01"));
    BOOST_TEST(o.is_object());
    BOOST_TEST(o.get("ab")->as_string() == "cd");
    BOOST_TEST(o.get("ef")->as_string() == "ab");
    // The table is reset at each 0x11: the same reference fails in a new switch.
    BOOST_TEST((decode_err(hex("11 06 05 'ab'  11 06 00")) == AmfErrc::BadReference));
}

BOOST_AUTO_TEST_CASE(sealed_traits_and_traits_reference) {
    // Array of two objects: the first declares traits {x} (sealed, not dynamic: 0x13 = 1<<4|3),
    // the second reuses them by reference (0x01 = traits ref 0).
    Value a = decode_one(hex("11 09 05 01  0A 13 01 03 'x' 04 01  0A 01 04 02"));
    BOOST_REQUIRE(a.is_strict_array());
    BOOST_REQUIRE_EQUAL(a.elements().size(), 2u);
    BOOST_TEST(a.elements()[0].get("x")->as_number() == 1.0);
    BOOST_TEST(a.elements()[1].get("x")->as_number() == 2.0);
}

BOOST_AUTO_TEST_CASE(associative_array) {
    Value a = decode_one(hex("11 09 03 03 'k' 01 01 04 05"));
    BOOST_TEST(a.is_ecma_array());
    BOOST_TEST(a.get("k")->is_null());
    BOOST_TEST(a.get("0")->as_number() == 5.0);
}

BOOST_AUTO_TEST_CASE(refused_types) {
    BOOST_TEST((decode_err(hex("11 0C 03 00")) == AmfErrc::UnsupportedAmf3));  // byte array
    BOOST_TEST((decode_err(hex("11 07 01")) == AmfErrc::UnsupportedAmf3));     // xml doc
    BOOST_TEST((decode_err(hex("11 0A 00")) == AmfErrc::UnsupportedAmf3));     // object ref
    BOOST_TEST((decode_err(hex("11 0A 07 01")) == AmfErrc::UnsupportedAmf3));  // externalizable
    BOOST_TEST((decode_err(hex("11 09 00")) == AmfErrc::UnsupportedAmf3));     // array ref
    BOOST_TEST((decode_err(hex("11 08 00")) == AmfErrc::UnsupportedAmf3));     // date ref
    BOOST_TEST((decode_err(hex("11 0A 05")) == AmfErrc::BadReference));        // traits ref 1
    BOOST_TEST((decode_err(hex("11 04 FF")) == AmfErrc::Truncated));
    BOOST_TEST((decode_err(hex("11 09 FF FF FF 7F 01")) == AmfErrc::Truncated));
}

BOOST_AUTO_TEST_CASE(amf3_nesting_bomb) {
    Bytes bomb = {0x11};
    for (int i = 0; i < 100000; ++i) bomb.insert(bomb.end(), {0x09, 0x03, 0x01});
    BOOST_TEST((decode_err(bomb) == AmfErrc::TooDeep));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(amf0_round_trip)

namespace {

Value random_value(std::mt19937& rng, int depth) {
    std::uniform_int_distribution<int> kind(0, depth > 3 ? 5 : 8);
    std::uniform_int_distribution<int> len(0, 12);
    auto str = [&] {
        std::string s(std::size_t(len(rng)), ' ');
        for (char& c : s) c = char(rng() & 0xFF);
        return s;
    };
    switch (kind(rng)) {
        case 0:
            return Value::number(std::bit_cast<double>(std::uint64_t(rng()) << 32 | rng()));
        case 1:
            return Value::boolean(rng() & 1);
        case 2:
            return Value::string(str());
        case 3:
            return Value::null();
        case 4:
            return Value::undefined();
        case 5:
            return Value::date(double(rng()), std::int16_t(rng()));
        case 6:
        case 7: {
            Properties p;
            for (int i = len(rng) / 2; i > 0; --i)
                p.emplace_back(str(), random_value(rng, depth + 1));
            return (rng() & 1) ? Value::object(std::move(p)) : Value::ecma_array(std::move(p));
        }
        default: {
            std::vector<Value> e;
            for (int i = len(rng) / 2; i > 0; --i) e.push_back(random_value(rng, depth + 1));
            return Value::strict_array(std::move(e));
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_trees_survive_encode_decode) {
    std::mt19937 rng(12345);
    for (int i = 0; i < 500; ++i) {
        std::vector<Value> values;
        Bytes b;
        for (int n = int(rng() % 4); n >= 0; --n) {
            values.push_back(random_value(rng, 0));
            rtmp::amf::encode(values.back(), b);
        }
        BOOST_TEST((decode_ok(b) == values), "tree " << i);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(amf_json)

BOOST_AUTO_TEST_CASE(json_view_keeps_wire_order) {
    Value v = Value::object({{"z", Value::number(1.5)},
                             {"a", Value::strict_array({Value::null(), Value::undefined()})},
                             {"d", Value::date(7)},
                             {"bad", Value::string("\xff"
                                                   "ok")},
                             {"nan", Value::number(NAN)},
                             {"e", Value::ecma_array({{"t", Value::boolean(true)}})}});
    BOOST_TEST(rtmp::amf::to_json(v).dump() ==
               R"({"z":1.5,"a":[null,null],"d":{"$date":7.0},"bad":")"
               "\xEF\xBF\xBD"
               R"(ok","nan":null,)"
               R"("e":{"t":true}})");
}

BOOST_AUTO_TEST_SUITE_END()
