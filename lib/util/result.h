// Error values for the whole library: the core never throws, it returns these.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace util {

// A failure: a machine-readable code (an enum of the module that failed) and a short message
// that a human can act on. `fatal` says whether the session that produced it must end.
template <class Code>
struct Error {
    Code code;
    std::string message;
    bool fatal = true;
};

// Either a value or an Error<Code>. A small stand-in for std::expected (C++23).
template <class T, class Code>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error<Code> error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error<Code>& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error<Code>> v_;
};

}  // namespace util
