// The AMF value tree: constructors, lookups and structural equality.
#include "rtmp/amf_value.h"

#include <cstring>

namespace rtmp::amf {

const char* type_name(Type type) {
    switch (type) {
        case Type::Number:
            return "number";
        case Type::Boolean:
            return "boolean";
        case Type::String:
            return "string";
        case Type::Object:
            return "object";
        case Type::Null:
            return "null";
        case Type::Undefined:
            return "undefined";
        case Type::EcmaArray:
            return "ecma-array";
        case Type::StrictArray:
            return "strict-array";
        case Type::Date:
            return "date";
    }
    return "?";
}

Value Value::number(double v) {
    Value r(Type::Number);
    r.number_ = v;
    return r;
}
Value Value::boolean(bool v) {
    Value r(Type::Boolean);
    r.boolean_ = v;
    return r;
}
Value Value::string(std::string v) {
    Value r(Type::String);
    r.string_ = std::move(v);
    return r;
}
Value Value::null() { return Value(Type::Null); }
Value Value::undefined() { return Value(Type::Undefined); }
Value Value::object(Properties props) {
    Value r(Type::Object);
    r.props_ = std::move(props);
    return r;
}
Value Value::ecma_array(Properties props) {
    Value r(Type::EcmaArray);
    r.props_ = std::move(props);
    return r;
}
Value Value::strict_array(std::vector<Value> elements) {
    Value r(Type::StrictArray);
    r.elements_ = std::move(elements);
    return r;
}
Value Value::date(double ms, std::int16_t tz) {
    Value r(Type::Date);
    r.number_ = ms;
    r.tz_ = tz;
    return r;
}

const std::string& Value::as_string() const {
    static const std::string empty;
    return is_string() ? string_ : empty;
}

const Value* Value::get(std::string_view key) const {
    if (!has_properties()) return nullptr;
    for (const auto& [k, v] : props_)
        if (k == key) return &v;
    return nullptr;
}

Value* Value::get(std::string_view key) {
    return const_cast<Value*>(static_cast<const Value&>(*this).get(key));
}

Value& Value::set(std::string key, Value v) {
    if (!has_properties()) *this = object();
    if (Value* existing = get(key)) {
        *existing = std::move(v);
        return *existing;
    }
    props_.emplace_back(std::move(key), std::move(v));
    return props_.back().second;
}

static bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool operator==(const Value& a, const Value& b) {
    if (a.type_ != b.type_) return false;
    switch (a.type_) {
        case Type::Number:
            return same_bits(a.number_, b.number_);
        case Type::Boolean:
            return a.boolean_ == b.boolean_;
        case Type::String:
            return a.string_ == b.string_;
        case Type::Object:
        case Type::EcmaArray:
            return a.props_ == b.props_;
        case Type::StrictArray:
            return a.elements_ == b.elements_;
        case Type::Date:
            return same_bits(a.number_, b.number_) && a.tz_ == b.tz_;
        case Type::Null:
        case Type::Undefined:
            return true;
    }
    return false;
}

}  // namespace rtmp::amf
