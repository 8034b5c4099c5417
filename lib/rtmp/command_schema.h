// Declarative reading of command arguments, in the manner of nginx-rtmp's ngx_rtmp_amf_elt_t:
// a table of fields (where the value is, whether it is required, which member receives it)
// and one function that applies the table. Handlers never walk AMF values by hand.
#pragma once

#include <span>
#include <string>

#include "rtmp/command.h"

namespace rtmp::schema {

enum class Presence { Required, Optional };

// Storing a value into a member: the member's type decides what is accepted
//   std::string  ← string
//   double       ← number
//   bool         ← boolean, or number (non-zero is true)
//   amf::Value   ← anything (copied as is)
// and each returns false when the value does not fit.
inline bool store(std::string& m, const amf::Value& v) {
    if (!v.is_string()) return false;
    m = v.as_string();
    return true;
}
inline bool store(double& m, const amf::Value& v) {
    if (!v.is_number()) return false;
    m = v.as_number();
    return true;
}
inline bool store(bool& m, const amf::Value& v) {
    if (!v.is_bool() && !v.is_number()) return false;
    m = v.is_bool() ? v.as_bool() : v.as_number() != 0;
    return true;
}
inline bool store(amf::Value& m, const amf::Value& v) {
    m = v;
    return true;
}

namespace detail {
template <class C, class M>
C class_of(M C::*);
template <auto Member>
using ClassOf = decltype(class_of(Member));
template <auto Member>
bool store_member(ClassOf<Member>& out, const amf::Value& v) {
    return store(out.*Member, v);
}
}  // namespace detail

// `into<&Params::member>`: the target of a field, e.g. into<&PublishParams::name>.
template <auto Member>
constexpr bool (*into)(detail::ClassOf<Member>&, const amf::Value&) = &detail::store_member<Member>;

template <class T>
struct Field {
    const char* label;  // for error messages
    std::size_t arg;    // index in Command::args (0 = the command object)
    const char* key;    // nullptr: the argument itself; otherwise a property of that argument
    Presence presence;
    bool (*target)(T&, const amf::Value&);
};

// Applies the table to the command. Absent, null and undefined values leave the member's default.
// A value of the wrong type is an error for a required field and ignored for an optional one
// (clients differ, docs/clients.md: be tolerant where nothing depends on it).
template <class T>
util::Result<T, CommandErrc> read(const Command& cmd, std::span<const Field<T>> fields,
                                  T out = T{}) {
    for (const Field<T>& f : fields) {
        bool required = f.presence == Presence::Required;
        const amf::Value* v = cmd.arg(f.arg);
        if (v && f.key && !v->has_properties()) {
            if (required && !v->is_null() && !v->is_undefined())
                return util::Error<CommandErrc>{
                    CommandErrc::WrongType,
                    cmd.name + ": argument " + std::to_string(f.arg) + " must be an object"};
            v = nullptr;
        }
        if (v && f.key) v = v->get(f.key);
        if (!v || v->is_null() || v->is_undefined()) {
            if (required)
                return util::Error<CommandErrc>{CommandErrc::MissingField,
                                                cmd.name + ": " + f.label + " is missing"};
            continue;
        }
        if (!f.target(out, *v) && required)
            return util::Error<CommandErrc>{
                CommandErrc::WrongType,
                cmd.name + ": " + f.label + " must not be " + amf::type_name(v->type())};
    }
    return out;
}

}  // namespace rtmp::schema
