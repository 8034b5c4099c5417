// An AMF value (the data model shared by AMF0 and the AMF3 subset we read): a small tree with
// value semantics, built by the decoders and by the command reply builders.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtmp::amf {

enum class Type { Number, Boolean, String, Object, Null, Undefined, EcmaArray, StrictArray, Date };

const char* type_name(Type type);

class Value;
// Insertion-ordered: the wire order of an object's keys is kept, and re-encoding reproduces it.
using Properties = std::vector<std::pair<std::string, Value>>;

class Value {
  public:
    Value() = default;  // Null

    static Value number(double v);
    static Value boolean(bool v);
    static Value string(std::string v);
    static Value null();
    static Value undefined();
    static Value object(Properties props = {});
    static Value ecma_array(Properties props = {});
    static Value strict_array(std::vector<Value> elements = {});
    static Value date(double ms, std::int16_t tz = 0);

    Type type() const { return type_; }
    bool is_number() const { return type_ == Type::Number; }
    bool is_bool() const { return type_ == Type::Boolean; }
    bool is_string() const { return type_ == Type::String; }
    bool is_object() const { return type_ == Type::Object; }
    bool is_ecma_array() const { return type_ == Type::EcmaArray; }
    // Object or ECMA array: both are key/value maps and clients use them interchangeably.
    bool has_properties() const { return is_object() || is_ecma_array(); }
    bool is_strict_array() const { return type_ == Type::StrictArray; }
    bool is_null() const { return type_ == Type::Null; }
    bool is_undefined() const { return type_ == Type::Undefined; }
    bool is_date() const { return type_ == Type::Date; }

    // Accessors never throw: on a value of another type they return 0 / false / "" / empty.
    double as_number() const { return (is_number() || is_date()) ? number_ : 0.0; }
    bool as_bool() const { return is_bool() && boolean_; }
    const std::string& as_string() const;
    std::int16_t timezone() const { return is_date() ? tz_ : 0; }
    const Properties& properties() const { return props_; }
    Properties& properties() { return props_; }
    const std::vector<Value>& elements() const { return elements_; }
    std::vector<Value>& elements() { return elements_; }

    // Object / ECMA array lookup of the first property named `key`; nullptr when absent.
    const Value* get(std::string_view key) const;
    Value* get(std::string_view key);
    // Insert or replace; a value that has no properties becomes an empty Object first.
    Value& set(std::string key, Value v);

    // Structural equality; numbers compare by bit pattern, so NaN equals itself and a
    // round-trip through encode/decode compares equal.
    friend bool operator==(const Value& a, const Value& b);

  private:
    explicit Value(Type t) : type_(t) {}

    Type type_ = Type::Null;
    bool boolean_ = false;
    std::int16_t tz_ = 0;
    double number_ = 0.0;
    std::string string_;
    Properties props_;
    std::vector<Value> elements_;
};

}  // namespace rtmp::amf
